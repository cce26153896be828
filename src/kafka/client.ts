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

/**
 * TLS of a SASL_SSL listener. Hostname verification is always on: Node's default `checkServerIdentity` runs
 * because nothing here replaces it, and `rejectUnauthorized` is pinned to true (tlsOptions).
 */
export interface ClientTls {
  /** PEM CA bundle that signed the brokers; absent: Node's public roots. */
  readonly ca?: string;
  /** mTLS: PEM client certificate and key. */
  readonly cert?: string;
  readonly key?: string;
}

/** Where a cluster answers: its bootstrap servers, and TLS when its listener is SASL_SSL. */
export interface ClusterEndpoint {
  readonly bootstrapServers: readonly string[];
  readonly tls?: ClientTls;
}

/** A bare list of bootstrap servers means SASL_PLAINTEXT. */
export type Endpoint = readonly string[] | ClusterEndpoint;

export function endpointOf(e: Endpoint): ClusterEndpoint {
  return Array.isArray(e) ? { bootstrapServers: e as readonly string[] } : (e as ClusterEndpoint);
}

/** The options kafkajs passes to `tls.connect`: verification cannot be switched off from here. */
export function tlsOptions(tls: ClientTls): { rejectUnauthorized: true; ca?: string; cert?: string; key?: string } {
  return {
    rejectUnauthorized: true,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
}

/**
 * A kafkajs client for SCRAM-SHA-512 over the platform's client listener: SASL_SSL when the endpoint carries TLS,
 * SASL_PLAINTEXT for a bare list of bootstrap servers.
 */
export function kafkaClient(endpoint: Endpoint, creds: ClientCredentials, opts: ClientOptions = {}): Kafka {
  registerCompressionCodecs(); // topics may declare compression.type: zstd, lz4 or snappy (codecs.ts)
  const { bootstrapServers, tls } = endpointOf(endpoint);
  return new Kafka({
    clientId: opts.clientId ?? 'kafka-tenancy',
    brokers: [...bootstrapServers],
    ssl: tls ? tlsOptions(tls) : false,
    sasl: { mechanism: 'scram-sha-512', username: creds.username, password: creds.password },
    connectionTimeout: opts.connectionTimeoutMs ?? 5000,
    authenticationTimeout: 5000,
    requestTimeout: opts.requestTimeoutMs ?? 15000,
    // kafkajs starts every client at the first bootstrap server and moves to the next only on a retry: at least one
    // retry per other server, so a client (a fail-fast probe too) reaches a cluster whose first broker is down.
    // Refusals (SASL, authorization) are not retriable, so probes still get their answer at once.
    retry: {
      retries: Math.max(opts.retries ?? 3, bootstrapServers.length - 1),
      initialRetryTime: 200,
      maxRetryTime: 2000,
    },
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
 * exchange is `SASL_ERROR`; a TLS verification failure is Node's code for it (e.g. `ERR_TLS_CERT_ALTNAME_INVALID`).
 */
export function kafkaErrorType(err: unknown): string {
  // a TLS verification failure is the answer, whatever kafkajs wrapped it in (tlsFailureCode)
  const tls = tlsFailureCode(err);
  if (tls) return tls;
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
 * Log in and send one DescribeCluster (any authenticated principal may): the ids of the brokers it lists (only
 * unfenced ones), or the Kafka error type of the failure (`SASL_AUTHENTICATION_FAILED` when the broker refuses the
 * credentials). Fails fast: no retry beyond trying each bootstrap server once.
 */
export async function describeClusterAs(
  brokers: Endpoint,
  creds: ClientCredentials,
  timeoutMs = 10_000,
): Promise<{ ok: true; brokers: number[] } | { ok: false; error: string }> {
  const admin = kafkaClient(brokers, creds, {
    retries: 0,
    connectionTimeoutMs: Math.min(timeoutMs, 5000),
    requestTimeoutMs: timeoutMs,
  }).admin();
  try {
    await admin.connect();
    const { brokers: listed } = await admin.describeCluster();
    return { ok: true, brokers: listed.map((b) => b.nodeId).sort((a, b) => a - b) };
  } catch (e) {
    return { ok: false, error: kafkaErrorType(e) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** `describeClusterAs`, as one word: `ok`, or the Kafka error type of the failure. */
export async function loginAnswer(brokers: Endpoint, creds: ClientCredentials, timeoutMs = 10_000): Promise<string> {
  const answer = await describeClusterAs(brokers, creds, timeoutMs);
  return answer.ok ? 'ok' : answer.error;
}

/** Node's TLS verification error codes → what is wrong, in words. */
const TLS_FAILURES: Readonly<Record<string, string>> = {
  SELF_SIGNED_CERT_IN_CHAIN: "the broker's certificate chain ends in a CA this client does not trust",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the broker's certificate is self-signed and not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the broker's certificate is not signed by a CA this client trusts",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the CA that signed the broker's certificate is not in this client's CA bundle",
  UNABLE_TO_GET_ISSUER_CERT: "the CA that signed the broker's certificate is not in this client's CA bundle",
  CERT_SIGNATURE_FAILURE: "the broker's certificate signature does not verify against the CA bundle",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the broker's certificate does not name the address this client connected to (hostname verification)",
  CERT_HAS_EXPIRED: "the broker's certificate has expired",
  CERT_NOT_YET_VALID: "the broker's certificate is not valid yet",
};

/** Is this answer (e.g. of `loginAnswer`) a TLS verification failure? */
export function isTlsFailureCode(code: string): boolean {
  return code in TLS_FAILURES;
}

/** The first Node TLS error code in an error chain (kafkajs keeps the socket error's `code`). */
export function tlsFailureCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const o = e as { code?: unknown; message?: unknown; originalError?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && o.code in TLS_FAILURES) return o.code;
    const inMessage = Object.keys(TLS_FAILURES).find((c) => String(o.message ?? '').includes(c));
    if (inMessage) return inMessage;
    if (/self[- ]signed certificate in certificate chain/i.test(String(o.message ?? '')))
      return 'SELF_SIGNED_CERT_IN_CHAIN';
    if (/unable to verify the first certificate/i.test(String(o.message ?? '')))
      return 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
    if (/does not match certificate's altnames|Hostname\/IP does not match/i.test(String(o.message ?? '')))
      return 'ERR_TLS_CERT_ALTNAME_INVALID';
    e = o.originalError ?? o.cause;
  }
  return undefined;
}

/**
 * A hint for a connection that failed TLS verification: what is wrong and where the CA bundle of the cluster
 * comes from. Undefined when the failure was not a TLS verification failure.
 */
export function tlsHint(err: unknown, cluster: string): string | undefined {
  const code = tlsFailureCode(err);
  return code ? tlsHintForCode(code, cluster) : undefined;
}

/** `tlsHint` for a failure code already known (see `isTlsFailureCode`). */
export function tlsHintForCode(code: string, cluster: string): string {
  return (
    `TLS refused (${code}): ${TLS_FAILURES[code]}. The CA bundle of cluster "${cluster}" comes from its ` +
    '`security.caCertificate` (secret: tlsca/' +
    cluster +
    ' in the secret source; local clusters: `kafka-tenancy local up` writes it); a broker certificate must name ' +
    'the bootstrap address (SAN). Hostname verification cannot be turned off.'
  );
}
