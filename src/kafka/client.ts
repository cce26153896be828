import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { registerCompressionCodecs } from './codecs';

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
  registerCompressionCodecs(); // topics may declare compression.type: zstd, lz4 or snappy (codecs.ts)
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

/**
 * What `kafkaErrorType` returns for an error kafkajs raised during the SASL exchange that is NOT the broker refusing
 * the credentials: a timeout, a dropped connection, an unsupported mechanism, a bad server signature. It is not a
 * Kafka error code, so a probe that gets it has no answer (the verification reports `error`, never a pass).
 */
export const SASL_ERROR = 'SASL_ERROR';

/**
 * The broker's answer to a SCRAM login with unknown or wrong credentials (Kafka's SaslServerAuthenticator sends the
 * same text for both, so a client cannot tell which). kafkajs 2.2.4 (`src/broker/saslAuthenticator/scram.js`) wraps
 * it, like every other error of the exchange, as `KafkaJSSASLAuthenticationError("SASL SCRAM SHA512 authentication
 * failed: <message>")` and keeps nothing else; the message is the only evidence of what happened.
 */
const INVALID_CREDENTIALS =
  /: Authentication failed during (re)?authentication due to invalid credentials with SASL mechanism SCRAM-SHA-(256|512)$/;

/** True if a `KafkaJSSASLAuthenticationError` carries the broker's invalid-credentials answer. */
export function isCredentialRejection(message: string): boolean {
  return INVALID_CREDENTIALS.test(message);
}

/**
 * kafkajs error → its Kafka error type (e.g. TOPIC_AUTHORIZATION_FAILED), walking `cause`/`originalError`.
 * `SASL_AUTHENTICATION_FAILED` only for the broker's invalid-credentials answer; any other failure during the SASL
 * exchange is `SASL_ERROR`.
 */
export function kafkaErrorType(err: unknown): string {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const o = e as {
      type?: string;
      name?: string;
      message?: unknown;
      originalError?: unknown;
      cause?: unknown;
      errors?: unknown[];
    };
    if (typeof o.type === 'string' && o.type) return o.type;
    // kafkajs wraps everything that goes wrong during the SCRAM exchange in this class, without a `type` and
    // without the original error: only the broker's own refusal, recognisable by its message, is an answer.
    if (o.name === 'KafkaJSSASLAuthenticationError') {
      return isCredentialRejection(String(o.message ?? '')) ? 'SASL_AUTHENTICATION_FAILED' : SASL_ERROR;
    }
    if (Array.isArray(o.errors) && o.errors.length) {
      const inner = kafkaErrorType(o.errors[0]);
      if (inner !== 'UNKNOWN') return inner;
    }
    e = o.originalError ?? o.cause;
    if (!e && o.name && o.name !== 'KafkaJSError' && o.name !== 'Error') return o.name;
  }
  return 'UNKNOWN';
}

/**
 * Log in and send one request (DescribeCluster: any authenticated principal may): `ok`, or the Kafka error type of
 * the failure (`SASL_AUTHENTICATION_FAILED` when the broker refuses the credentials). Never retries.
 */
export async function loginAnswer(
  brokers: readonly string[],
  creds: ClientCredentials,
  timeoutMs = 10_000,
): Promise<string> {
  const admin = kafkaClient(brokers, creds, {
    retries: 0,
    connectionTimeoutMs: Math.min(timeoutMs, 5000),
    requestTimeoutMs: timeoutMs,
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return 'ok';
  } catch (e) {
    return kafkaErrorType(e);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
