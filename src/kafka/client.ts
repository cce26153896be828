import { Kafka, KafkaConfig, logLevel } from 'kafkajs';

export interface ClientCredentials {
  readonly username: string;
  readonly password: string;
}

export interface ClientOptions {
  readonly clientId?: string;
  /** Fail fast: used by probes and negative checks where a refusal is the expected answer. */
  readonly retries?: number;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly logLevel?: logLevel;
  readonly logCreator?: KafkaConfig['logCreator'];
}

/** A kafkajs client for SASL_PLAINTEXT + SCRAM-SHA-512, the only client listener the platform exposes. */
export function kafkaClient(brokers: readonly string[], creds: ClientCredentials, opts: ClientOptions = {}): Kafka {
  return new Kafka({
    clientId: opts.clientId ?? 'kafka-tenancy',
    brokers: [...brokers],
    ssl: false,
    sasl: { mechanism: 'scram-sha-512', username: creds.username, password: creds.password },
    connectionTimeout: opts.connectionTimeoutMs ?? 5000,
    authenticationTimeout: 5000,
    requestTimeout: opts.requestTimeoutMs ?? 15000,
    retry: { retries: opts.retries ?? 3, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: opts.logLevel ?? logLevel.NOTHING,
    logCreator: opts.logCreator,
  });
}

/** kafkajs error → its Kafka error type (e.g. TOPIC_AUTHORIZATION_FAILED), walking `cause`/`originalError`. */
export function kafkaErrorType(err: unknown): string {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const o = e as { type?: string; name?: string; originalError?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof o.type === 'string' && o.type) return o.type;
    // kafkajs surfaces a broker's SaslAuthenticate error 58 as its own error class without a `type`.
    if (o.name === 'KafkaJSSASLAuthenticationError') return 'SASL_AUTHENTICATION_FAILED';
    if (Array.isArray(o.errors) && o.errors.length) {
      const inner = kafkaErrorType(o.errors[0]);
      if (inner !== 'UNKNOWN') return inner;
    }
    e = o.originalError ?? o.cause;
    if (!e && o.name && o.name !== 'KafkaJSError' && o.name !== 'Error') return o.name;
  }
  return 'UNKNOWN';
}
