/**
 * Typed errors of the tenant runtime SDK. Every error has a stable `code` so callers (and the consumer's
 * rejection metrics) can branch on it without parsing messages. Messages are lowercase and say what was
 * received, what is allowed and how to fix it. None of them ever contains a record's payload.
 */

export type SdkErrorCode =
  | 'invalid_tenant_id'
  | 'invalid_record'
  | 'rate_limited'
  | 'tenant_mismatch'
  | 'decryption_failed'
  | 'unencrypted_record'
  | 'encryption_unavailable'
  | 'key_not_found'
  | 'keyring'
  | 'partition_assignment';

export abstract class TenantSdkError extends Error {
  abstract readonly code: SdkErrorCode;
  /** True for errors that mean someone may be trying to cross a tenant boundary (alert on these). */
  readonly security: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A tenant id or aggregate id does not have the required shape. */
export class InvalidTenantIdError extends TenantSdkError {
  readonly code = 'invalid_tenant_id';
  constructor(readonly tenantId: string) {
    super(
      `tenant id ${JSON.stringify(truncate(tenantId))} is invalid; a tenant id is 3-32 characters of lowercase ` +
        `letters, digits and "-", starting with a letter and ending with a letter or digit`,
    );
  }
}

/** A record the caller asked to send (or a record read back) is malformed in a way that is not a tenant crossing. */
export class InvalidRecordError extends TenantSdkError {
  readonly code = 'invalid_record';
}

/** The tenant's token bucket has no room; try again after `retryAfterMs`. */
export class TenantRateLimitExceeded extends TenantSdkError {
  readonly code = 'rate_limited';
  constructor(
    readonly tenantId: string,
    /** Earliest time (ms from now) at which the same request can be admitted, assuming no other traffic. */
    readonly retryAfterMs: number,
    readonly requested: number,
  ) {
    super(`tenant "${tenantId}" exceeded its rate limit for ${requested} record(s); retry after ${retryAfterMs} ms`);
  }
}

/** Where a record came from, for logs and metrics. Never carries the payload or the aggregate id. */
export interface RecordCoordinates {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
}

/**
 * SECURITY: a record claims (or would claim) a tenant other than the one expected, or its `tenant-id` header and
 * its key prefix disagree. Producers never write such records; consumers reject them before decrypting or calling
 * a handler.
 */
export class TenantMismatchError extends TenantSdkError {
  readonly code = 'tenant_mismatch';
  override readonly security = true;
  readonly expectedTenant: string | undefined;
  /** Value of the `tenant-id` header as received (truncated), `undefined` if absent. */
  readonly headerTenant: string | undefined;
  /** Tenant prefix of the record key as received (truncated), `undefined` if the key has none. */
  readonly keyTenant: string | undefined;
  readonly coordinates: RecordCoordinates;

  constructor(
    message: string,
    details: {
      expectedTenant?: string;
      headerTenant?: string;
      keyTenant?: string;
      coordinates?: RecordCoordinates;
    } = {},
  ) {
    super(message);
    this.expectedTenant = details.expectedTenant;
    this.headerTenant = details.headerTenant === undefined ? undefined : truncate(details.headerTenant);
    this.keyTenant = details.keyTenant === undefined ? undefined : truncate(details.keyTenant);
    this.coordinates = details.coordinates ?? {};
  }
}

export type DecryptionFailure =
  /** `enc-v` names a format this SDK does not know. */
  | 'unsupported_format'
  /** Headers or payload are structurally broken (missing/duplicate header, truncated payload). */
  | 'malformed'
  /** The record's context (tenant in `enc-kek`) is not the one we decrypt for. */
  | 'context_mismatch'
  /** The key version is unknown: never existed, retired, or the tenant was crypto-shredded. */
  | 'key_unavailable'
  /** AES-GCM authentication failed: tampered ciphertext, wrong key, or different associated data. */
  | 'authentication_failed';

/** An encrypted record could not be decrypted. Deliberately does not say which byte was wrong. */
export class DecryptionError extends TenantSdkError {
  readonly code = 'decryption_failed';
  constructor(
    readonly reason: DecryptionFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Fail closed: a record of a tenant that requires encryption arrived in clear text. */
export class UnencryptedRecordError extends TenantSdkError {
  readonly code = 'unencrypted_record';
  override readonly security = true;
  constructor(
    readonly tenantId: string,
    readonly coordinates: RecordCoordinates = {},
  ) {
    super(
      `record of tenant "${tenantId}" is not encrypted but the tenant requires encryption; ` +
        `it was not passed to the handler (produce it through TenantProducer with a key provider)`,
    );
  }
}

/** Fail closed: encryption is required but there is no key provider to encrypt or decrypt with. */
export class EncryptionUnavailableError extends TenantSdkError {
  readonly code = 'encryption_unavailable';
}

/** A key provider has no key-encryption key for this tenant / version (never created, retired or shredded). */
export class KeyNotFoundError extends TenantSdkError {
  readonly code = 'key_not_found';
  constructor(
    readonly tenantId: string,
    readonly version?: number,
  ) {
    super(
      version === undefined
        ? `no key-encryption key for tenant "${tenantId}"; create one (LocalKeyring.openOrCreate or ` +
            `KAFKA_TENANCY_KEK_<TENANT>_V1)`
        : `no key-encryption key "${tenantId}/v${version}"; it was never created, was retired, or the tenant's ` +
            `keys were deleted (crypto-shredded)`,
    );
  }
}

/** The keyring file or environment is unusable (bad permissions, bad JSON, wrong key length, read-only). */
export class KeyringError extends TenantSdkError {
  readonly code = 'keyring';
}

/** Records cannot be placed on (or consumed from) the partitions the partition map prescribes. */
export class PartitionAssignmentError extends TenantSdkError {
  readonly code = 'partition_assignment';
}

/** Attacker-controlled strings go into messages and logs: keep them short. */
export function truncate(s: string, max = 64): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
