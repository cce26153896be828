/**
 * Record conventions of the shared tier: the record key is `{tenantId}:{aggregateId}` and every record carries
 * a `tenant-id` and an `event-type` header. Tenant ids cannot contain ":" so the first ":" always ends the tenant
 * id, and the aggregate id may contain anything (including ":").
 */
import type { IHeaders } from 'kafkajs';
import { InvalidRecordError, InvalidTenantIdError } from './errors';

/** 3-32 chars, lowercase letters, digits and "-"; starts with a letter, ends with a letter or digit. */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

/** Separator between tenant id and aggregate id in a record key. Tenant ids cannot contain it. */
export const KEY_SEPARATOR = ':';

/** Aggregate ids are opaque, but bounded so a record key stays a key. */
export const MAX_AGGREGATE_ID_BYTES = 512;

export const HEADERS = {
  /** Tenant that produced the record. Must equal the key prefix. */
  tenantId: 'tenant-id',
  eventType: 'event-type',
  /** Envelope format version (decimal string). Present only on encrypted records. */
  encryptionVersion: 'enc-v',
  /** Key-encryption key that wrapped the data key: `<tenant>/v<version>`. Present only on encrypted records. */
  encryptionKek: 'enc-kek',
  /**
   * Set only by the platform's tier-migration copier (src/migration/copier.ts) on a record it copied out of a
   * shared topic into a tenant's own topic: the shared topic the record was first written to. The record is copied
   * byte for byte, so its envelope AAD still names that topic; a consumer opens it with that topic only if it was
   * told the copy was declared (`acceptedOrigins`), otherwise it rejects the record.
   */
  originTopic: 'kt-origin-topic',
  /** Set with `kt-origin-topic`: `<partition>/<offset>` of the source record, for tracing a copy back. */
  originOffset: 'kt-origin-offset',
} as const;

/** Headers whose names start with this are the copier's provenance headers (`kt-origin-topic`, `kt-origin-offset`). */
export const ORIGIN_HEADER_PREFIX = 'kt-origin-';

/**
 * Headers the SDK or the platform writes itself; callers may not supply them (`tenant-id` only with the producer's
 * own id). The origin headers in particular: a producer that could set `kt-origin-topic` could ask consumers to
 * open a record under another topic's AAD.
 */
export const RESERVED_HEADERS: readonly string[] = Object.values(HEADERS);

/**
 * Header on every record `kafka-tenancy verify` writes (value: the run id). Consumers skip such records: they are
 * probes, not business events (and a forged probe would only be skipped, never delivered).
 */
export const VERIFICATION_MARKER_HEADER = 'kafka-tenancy-verify';

export function isValidTenantId(id: string): boolean {
  return TENANT_ID_PATTERN.test(id);
}

export function assertTenantId(id: string): void {
  if (typeof id !== 'string' || !isValidTenantId(id)) throw new InvalidTenantIdError(String(id));
}

export function assertAggregateId(aggregateId: string): void {
  if (typeof aggregateId !== 'string' || aggregateId.length === 0) {
    throw new InvalidRecordError('aggregate id is empty; pass the id of the entity the event is about');
  }
  const bytes = Buffer.byteLength(aggregateId, 'utf8');
  if (bytes > MAX_AGGREGATE_ID_BYTES) {
    throw new InvalidRecordError(
      `aggregate id is ${bytes} bytes; at most ${MAX_AGGREGATE_ID_BYTES} bytes are allowed (use a shorter id)`,
    );
  }
}

/** `acme` + `order-42` → `acme:order-42`. Validates both parts. */
export function buildRecordKey(tenantId: string, aggregateId: string): string {
  assertTenantId(tenantId);
  assertAggregateId(aggregateId);
  return `${tenantId}${KEY_SEPARATOR}${aggregateId}`;
}

export interface ParsedRecordKey {
  readonly tenantId: string;
  readonly aggregateId: string;
}

/** Parse a record key; `undefined` when it is not `{validTenantId}:{nonEmptyAggregateId}`. */
export function tryParseRecordKey(key: Buffer | string | null | undefined): ParsedRecordKey | undefined {
  if (key === null || key === undefined) return undefined;
  const s = typeof key === 'string' ? key : key.toString('utf8');
  const i = s.indexOf(KEY_SEPARATOR);
  if (i <= 0) return undefined;
  const tenantId = s.slice(0, i);
  const aggregateId = s.slice(i + 1);
  if (!isValidTenantId(tenantId) || aggregateId.length === 0) return undefined;
  if (Buffer.byteLength(aggregateId, 'utf8') > MAX_AGGREGATE_ID_BYTES) return undefined;
  return { tenantId, aggregateId };
}

export function parseRecordKey(key: Buffer | string | null | undefined): ParsedRecordKey {
  const parsed = tryParseRecordKey(key);
  if (!parsed) {
    throw new InvalidRecordError(
      'record key is not "{tenantId}:{aggregateId}" with a valid tenant id and a non-empty aggregate id',
    );
  }
  return parsed;
}

/**
 * The tenant part of a key for logs: everything before the first ":" (truncated), never the aggregate id,
 * which may be personal data.
 */
export function keyTenantPrefix(key: Buffer | string | null | undefined): string | undefined {
  if (key === null || key === undefined) return undefined;
  const s = typeof key === 'string' ? key : key.toString('utf8');
  const i = s.indexOf(KEY_SEPARATOR);
  return i < 0 ? undefined : s.slice(0, Math.min(i, 64));
}

export type HeaderValue = IHeaders[string];

/**
 * The single string value of a header, or `undefined` when it is absent. Kafka allows a header key to repeat
 * (kafkajs then hands us an array): a repeated security header is ambiguous, so that is reported as `'multiple'`.
 */
export function singleHeader(headers: IHeaders | undefined, name: string): string | undefined | 'multiple' {
  const v: HeaderValue = headers?.[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 1) return headerString(v[0]);
    return v.length === 0 ? undefined : 'multiple';
  }
  return headerString(v);
}

function headerString(v: Buffer | string): string {
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** Consumer group ids of a tenant always start with `<tenant>.`; a name already under the prefix is kept. */
export function tenantGroupId(tenantId: string, group: string): string {
  assertTenantId(tenantId);
  const prefix = `${tenantId}.`;
  const full = group.startsWith(prefix) ? group : `${prefix}${group}`;
  const suffix = full.slice(prefix.length);
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(suffix)) {
    throw new InvalidRecordError(
      `consumer group ${JSON.stringify(group.slice(0, 64))} is invalid; use letters, digits, ".", "_" and "-" ` +
        `(the SDK puts it under the tenant's prefix "${prefix}")`,
    );
  }
  return full;
}
