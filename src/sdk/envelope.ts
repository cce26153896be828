/**
 * Envelope encryption of record values with AES-256-GCM.
 *
 * A random 256-bit data key (DEK) encrypts the value; the tenant's key-encryption key (KEK, key-provider.ts)
 * wraps the DEK, and the wrapped DEK travels inside the value. Both encryptions are AES-256-GCM with associated
 * data (AAD) that binds the record to its context, so a ciphertext copied to another tenant, topic, record key
 * or key version fails authentication instead of decrypting (which is what Fernet, with no associated data,
 * cannot do). The tenant id is part of the AAD: on an encrypted record the tenant is authenticated, not merely
 * claimed by a header.
 *
 * ## Wire format, version 1
 *
 * Headers (Kafka record headers, UTF-8):
 *   `enc-v`   = `1`                      format version
 *   `enc-kek` = `<tenant>/v<kekVersion>`  which KEK wrapped the data key, e.g. `acme/v3`
 *
 * Value (all integers big-endian):
 *
 *   offset     size  field
 *   0          2     W = length of the wrapped data key (uint16)
 *   2          W     wrapped data key, opaque to this module (LocalKeyring: nonce 12 ‖ GCM(KEK, DEK) 32 ‖ tag 16,
 *                    so W = 60; a KMS provider's blob may be longer, hence the length prefix)
 *   2+W        12    data nonce, random per record
 *   14+W       n     ciphertext = AES-256-GCM(DEK, nonce, plaintext, AAD_data), n = plaintext length
 *   14+W+n     16    GCM tag
 *
 * Overhead per record with LocalKeyring: 2 + 60 + 12 + 16 = 90 bytes of value (ENVELOPE_OVERHEAD_BYTES) plus
 * the two headers (`envelopeHeaderBytes`: 24 bytes for `acme/v1`). GCM alone costs 28 (nonce + tag); the other
 * 62 are the wrapped key that lets each record be decrypted on its own, years later, after rotations.
 *
 * Associated data (length-prefixed, so no two contexts encode the same):
 *
 *   AAD_wrap = u8 format ‖ u8 'W' ‖ u8 len ‖ tenant ‖ u16 len ‖ topic ‖ u32 kekVersion
 *   AAD_data = u8 format ‖ u8 'D' ‖ u8 len ‖ tenant ‖ u16 len ‖ topic ‖ u32 kekVersion ‖ u32 len ‖ recordKey
 *
 * The wrap AAD leaves out the record key so one data key can serve a batch of records of one tenant and topic
 * (`EnvelopeSealer`); each record's own AAD still binds its record key.
 *
 * Rotation: new records are wrapped with the new KEK version; old records keep their `enc-kek` version and
 * decrypt with it until it is retired. Nothing is re-encrypted. Crypto-shredding: delete the tenant's KEKs.
 *
 * Tier migration (shared → topic-per-tenant): the copier moves a tenant's records byte for byte from a shared topic
 * into the tenant's own topic and adds `kt-origin-topic: <shared topic>`; `aadTopic` decides which topic such a
 * record is opened with. Why not re-encrypt: the copier would have to hold every migrating tenant's keys. With the
 * origin header it holds none, and since a consumer accepts only the origins declared for the topic it reads
 * (`AcceptedOrigins`, built from the declared migration), a ciphertext still cannot be replayed from any other
 * topic, tenant or record key: the AAD still binds tenant and record key, and the topic is one of a declared few.
 */
import * as crypto from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import { DecryptionError, KeyNotFoundError } from './errors';
import {
  type Kek,
  type KeyProvider,
  LOCAL_WRAPPED_KEY_BYTES,
  parseKekId,
  randomBuffer,
  randomInto,
} from './key-provider';
import { HEADERS, assertTenantId, singleHeader } from './keys';

export const ENVELOPE_FORMAT_VERSION = 1;
export const DATA_KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const LENGTH_PREFIX_BYTES = 2;

/** Bytes an envelope adds to a record value with LocalKeyring (any plaintext length): 2 + 60 + 12 + 16. */
export const ENVELOPE_OVERHEAD_BYTES = LENGTH_PREFIX_BYTES + LOCAL_WRAPPED_KEY_BYTES + NONCE_BYTES + TAG_BYTES;

/** Each record gets a random 96-bit nonce; stay far below the 2^32 messages per key that random nonces allow. */
export const MAX_RECORDS_PER_DATA_KEY = 1 << 20;

/**
 * Bytes the two envelope headers add to a record on the wire: each header is varint(key length) ‖ key ‖
 * varint(value length) ‖ value, and these lengths are all < 64, so each varint is one byte.
 */
export function envelopeHeaderBytes(tenantId: string, kekVersion: number): number {
  const v = String(ENVELOPE_FORMAT_VERSION);
  const kek = `${tenantId}/v${kekVersion}`;
  return 2 + HEADERS.encryptionVersion.length + v.length + 2 + HEADERS.encryptionKek.length + Buffer.byteLength(kek);
}

export interface EnvelopeContext {
  readonly tenantId: string;
  readonly topic: string;
}

export interface SealedRecord {
  readonly value: Buffer;
  /** `enc-v` and `enc-kek`, to be added to the record's headers. */
  readonly headers: { readonly [HEADERS.encryptionVersion]: string; readonly [HEADERS.encryptionKek]: string };
}

export interface OpenedRecord {
  readonly plaintext: Buffer;
  readonly kekVersion: number;
}

function encodeAad(
  purpose: 'W' | 'D',
  format: number,
  tenantId: string,
  topic: string,
  kekVersion: number,
  recordKey?: Buffer,
): Buffer {
  const tenant = Buffer.from(tenantId, 'utf8');
  const topicBytes = Buffer.from(topic, 'utf8');
  if (tenant.length > 0xff || topicBytes.length > 0xffff) throw new RangeError('tenant id or topic too long');
  const head = Buffer.alloc(3);
  head.writeUInt8(format, 0);
  head.write(purpose, 1, 'ascii');
  head.writeUInt8(tenant.length, 2);
  const topicLen = Buffer.alloc(2);
  topicLen.writeUInt16BE(topicBytes.length);
  const version = Buffer.alloc(4);
  version.writeUInt32BE(kekVersion);
  const parts: Buffer[] = [head, tenant, topicLen, topicBytes, version];
  if (recordKey) {
    const keyLen = Buffer.alloc(4);
    keyLen.writeUInt32BE(recordKey.length);
    parts.push(keyLen, recordKey);
  }
  return Buffer.concat(parts);
}

/** The associated data of the wrapped data key. Exported for KMS implementers and tests. */
export function wrapAad(ctx: EnvelopeContext, kekVersion: number, format = ENVELOPE_FORMAT_VERSION): Buffer {
  return encodeAad('W', format, ctx.tenantId, ctx.topic, kekVersion);
}

/** The associated data of one record's value. */
export function dataAad(
  ctx: EnvelopeContext,
  kekVersion: number,
  recordKey: Buffer | string,
  format = ENVELOPE_FORMAT_VERSION,
): Buffer {
  return encodeAad('D', format, ctx.tenantId, ctx.topic, kekVersion, toBuffer(recordKey));
}

/**
 * Encrypts records of one tenant and one topic under one data key (wrapped once). Use one sealer per record
 * for maximal key separation, or one per batch to save a wrap (a KMS round trip) per record; the wire format is
 * the same. Call `dispose()` when done so the data key is zeroed.
 */
export class EnvelopeSealer {
  private sealed = 0;
  private disposed = false;
  private readonly secret: crypto.KeyObject;
  /** AAD_data without the record key part, computed once. */
  private readonly aadHead: Buffer;
  /** The same two headers on every record of this sealer. */
  private readonly headers: SealedRecord['headers'];

  private constructor(
    ctx: EnvelopeContext,
    kekVersion: number,
    private readonly kekHeader: string,
    private readonly dataKey: Buffer,
    private readonly prefix: Buffer,
  ) {
    this.secret = crypto.createSecretKey(dataKey);
    this.aadHead = encodeAad('D', ENVELOPE_FORMAT_VERSION, ctx.tenantId, ctx.topic, kekVersion);
    this.headers = Object.freeze({
      [HEADERS.encryptionVersion]: String(ENVELOPE_FORMAT_VERSION),
      [HEADERS.encryptionKek]: kekHeader,
    });
  }

  static async create(keys: KeyProvider, ctx: EnvelopeContext): Promise<EnvelopeSealer> {
    assertTenantId(ctx.tenantId);
    const kek: Kek = await keys.currentKek(ctx.tenantId);
    if (kek.tenantId !== ctx.tenantId) {
      throw new DecryptionError(
        'context_mismatch',
        `key provider returned a key of "${kek.tenantId}" for "${ctx.tenantId}"`,
      );
    }
    const dataKey = randomBuffer(DATA_KEY_BYTES);
    const wrapped = await kek.wrap(dataKey, wrapAad(ctx, kek.version));
    if (wrapped.length === 0 || wrapped.length > 0xffff) {
      throw new RangeError(`wrapped data key must be 1..65535 bytes, the key provider returned ${wrapped.length}`);
    }
    const prefix = Buffer.alloc(LENGTH_PREFIX_BYTES + wrapped.length);
    prefix.writeUInt16BE(wrapped.length, 0);
    wrapped.copy(prefix, LENGTH_PREFIX_BYTES);
    return new EnvelopeSealer(ctx, kek.version, kek.id, dataKey, prefix);
  }

  get kekId(): string {
    return this.kekHeader;
  }

  /** Records this sealer may still seal before its data key is exhausted (MAX_RECORDS_PER_DATA_KEY). */
  get remaining(): number {
    return this.disposed ? 0 : MAX_RECORDS_PER_DATA_KEY - this.sealed;
  }

  seal(recordKey: Buffer | string, plaintext: Buffer | string): SealedRecord {
    if (this.disposed) throw new RangeError('sealer was disposed');
    if (this.sealed >= MAX_RECORDS_PER_DATA_KEY) throw new RangeError('data key exhausted; create a new sealer');
    this.sealed++;
    const data = toBuffer(plaintext);
    const out = Buffer.allocUnsafe(this.prefix.length + NONCE_BYTES + data.length + TAG_BYTES);
    this.prefix.copy(out, 0);
    const nonceAt = this.prefix.length;
    randomInto(out, nonceAt, NONCE_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.secret, out.subarray(nonceAt, nonceAt + NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(withRecordKey(this.aadHead, recordKey));
    let at = nonceAt + NONCE_BYTES;
    at += cipher.update(data).copy(out, at);
    at += cipher.final().copy(out, at);
    cipher.getAuthTag().copy(out, at);
    return { value: out, headers: this.headers };
  }

  dispose(): void {
    this.disposed = true;
    this.dataKey.fill(0);
  }
}

/** `aadHead ‖ u32 len ‖ recordKey` in one buffer; a string key is encoded straight into it (no copy). */
function withRecordKey(aadHead: Buffer, recordKey: Buffer | string): Buffer {
  const keyLength = typeof recordKey === 'string' ? Buffer.byteLength(recordKey, 'utf8') : recordKey.length;
  const aad = Buffer.allocUnsafe(aadHead.length + 4 + keyLength);
  aadHead.copy(aad, 0);
  aad.writeUInt32BE(keyLength, aadHead.length);
  if (typeof recordKey === 'string') aad.write(recordKey, aadHead.length + 4, keyLength, 'utf8');
  else recordKey.copy(aad, aadHead.length + 4);
  return aad;
}

/**
 * Unwrapped data keys, so a batch of records sharing one data key costs one unwrap (one KMS call), not one per
 * record. Entries are keyed by tenant, topic, key version and the wrapped blob: a blob copied to another context
 * misses the cache and fails to unwrap. `openRecord` still asks the provider for the KEK on every record, so a
 * retired or shredded key stops decrypting at once even while its data keys are cached.
 */
export class DataKeyCache {
  private readonly entries = new Map<string, crypto.KeyObject>();

  constructor(readonly maxEntries = 1024) {}

  get(id: string): crypto.KeyObject | undefined {
    const hit = this.entries.get(id);
    if (hit) {
      // refresh recency (Map iteration order is insertion order)
      this.entries.delete(id);
      this.entries.set(id, hit);
    }
    return hit;
  }

  set(id: string, key: crypto.KeyObject): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(id);
    this.entries.set(id, key);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Encrypt one record with its own data key. */
export async function sealRecord(
  keys: KeyProvider,
  ctx: EnvelopeContext,
  recordKey: Buffer | string,
  plaintext: Buffer | string,
): Promise<SealedRecord> {
  const sealer = await EnvelopeSealer.create(keys, ctx);
  try {
    return sealer.seal(recordKey, plaintext);
  } finally {
    sealer.dispose();
  }
}

/**
 * For each topic a consumer reads, the topics its records may have been copied from by a declared migration:
 * `{ 'acme.orders.placed': ['shared.orders.placed'] }`. Build it from the migration, never from the records.
 */
export type AcceptedOrigins = Readonly<Record<string, readonly string[]>>;

/**
 * The topic a record read from `topic` was encrypted for, i.e. the topic of its AAD: its `kt-origin-topic` when that
 * names an origin declared for `topic`, `topic` itself when the header is absent. Any other origin (undeclared,
 * repeated, or declared for another topic) is rejected with `DecryptionError('context_mismatch')`: fail closed, a
 * copy nobody declared is not opened.
 */
export function aadTopic(topic: string, headers: IHeaders | undefined, acceptedOrigins?: AcceptedOrigins): string {
  const origin = singleHeader(headers, HEADERS.originTopic);
  if (origin === undefined) return topic;
  if (origin === 'multiple') {
    throw new DecryptionError('context_mismatch', `record carries more than one "${HEADERS.originTopic}" header`);
  }
  const declared =
    acceptedOrigins && Object.prototype.hasOwnProperty.call(acceptedOrigins, topic)
      ? acceptedOrigins[topic]
      : undefined;
  if (Array.isArray(declared) && declared.includes(origin)) return origin;
  throw new DecryptionError(
    'context_mismatch',
    `record on "${topic}" says it was copied from "${origin.slice(0, 249)}", which is not a declared origin of ` +
      `"${topic}" (acceptedOrigins: ${declared && declared.length ? declared.join(', ') : 'none'})`,
  );
}

/** True when the record carries envelope headers (either one: a record with only one of them is malformed). */
export function isEncrypted(headers: IHeaders | undefined): boolean {
  return headers?.[HEADERS.encryptionVersion] !== undefined || headers?.[HEADERS.encryptionKek] !== undefined;
}

/** The KEK named by a record's `enc-kek` header, if it is well formed. */
export function recordKekId(headers: IHeaders | undefined): { tenantId: string; version: number } | undefined {
  const v = singleHeader(headers, HEADERS.encryptionKek);
  return v === undefined || v === 'multiple' ? undefined : parseKekId(v);
}

/**
 * Decrypt a record value in the context the reader expects (its own tenant, the topic it read from, the key it
 * read). Every failure is a DecryptionError; which byte was wrong is deliberately not reported.
 */
export async function openRecord(
  keys: KeyProvider,
  ctx: EnvelopeContext,
  recordKey: Buffer | string,
  value: Buffer | null,
  headers: IHeaders | undefined,
  cache?: DataKeyCache,
): Promise<OpenedRecord> {
  const formatHeader = singleHeader(headers, HEADERS.encryptionVersion);
  if (formatHeader === undefined || formatHeader === 'multiple') {
    throw new DecryptionError('malformed', `record needs exactly one "${HEADERS.encryptionVersion}" header`);
  }
  if (formatHeader !== String(ENVELOPE_FORMAT_VERSION)) {
    throw new DecryptionError(
      'unsupported_format',
      `envelope format "${formatHeader.slice(0, 16)}" is not supported; this SDK reads format ${ENVELOPE_FORMAT_VERSION}`,
    );
  }
  const kekHeader = singleHeader(headers, HEADERS.encryptionKek);
  const kekRef = kekHeader === undefined || kekHeader === 'multiple' ? undefined : parseKekId(kekHeader);
  if (!kekRef) {
    throw new DecryptionError(
      'malformed',
      `record needs exactly one "${HEADERS.encryptionKek}" header "<tenant>/v<n>"`,
    );
  }
  if (kekRef.tenantId !== ctx.tenantId) {
    throw new DecryptionError(
      'context_mismatch',
      `record is encrypted with a key of tenant "${kekRef.tenantId}", expected tenant "${ctx.tenantId}"`,
    );
  }
  if (!value || value.length < LENGTH_PREFIX_BYTES) throw truncated();
  const wrappedLength = value.readUInt16BE(0);
  const bodyStart = LENGTH_PREFIX_BYTES + wrappedLength + NONCE_BYTES;
  if (wrappedLength === 0 || value.length < bodyStart + TAG_BYTES) throw truncated();
  const wrapped = value.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + wrappedLength);
  const nonce = value.subarray(bodyStart - NONCE_BYTES, bodyStart);
  const body = value.subarray(bodyStart, value.length - TAG_BYTES);
  const tag = value.subarray(value.length - TAG_BYTES);

  let kek: Kek;
  try {
    kek = await keys.kek(ctx.tenantId, kekRef.version);
  } catch (e) {
    if (e instanceof KeyNotFoundError) {
      throw new DecryptionError('key_unavailable', `key "${kekHeader}" is not available: ${e.message}`, { cause: e });
    }
    throw e; // the provider is down or misconfigured: not the record's fault, let the caller retry
  }
  if (kek.tenantId !== ctx.tenantId || kek.version !== kekRef.version) {
    throw new DecryptionError('context_mismatch', `key provider returned "${kek.id}" for "${kekHeader}"`);
  }

  const cacheId = `${ctx.tenantId}\u0000${ctx.topic}\u0000${kekRef.version}\u0000${wrapped.toString('base64')}`;
  let secret = cache?.get(cacheId);
  if (!secret) {
    let dataKey: Buffer;
    try {
      dataKey = await kek.unwrap(Buffer.from(wrapped), wrapAad(ctx, kekRef.version));
    } catch (e) {
      if (e instanceof KeyNotFoundError) {
        throw new DecryptionError('key_unavailable', `key "${kekHeader}" is not available: ${e.message}`, { cause: e });
      }
      // A DecryptionError is the provider saying "does not authenticate". Anything else means the provider failed
      // (a KMS timeout): rethrown, so a consumer retries instead of dropping a good record.
      throw e;
    }
    try {
      if (dataKey.length !== DATA_KEY_BYTES) throw authenticationFailed();
      secret = crypto.createSecretKey(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }
  let plaintext: Buffer;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', secret, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(dataAad(ctx, kekRef.version, recordKey));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw authenticationFailed();
  }
  // Cache only keys that decrypted a record: a forged blob never gets in.
  cache?.set(cacheId, secret);
  return { plaintext, kekVersion: kekRef.version };
}

function truncated(): DecryptionError {
  return new DecryptionError('malformed', 'encrypted value is truncated or its length prefix is wrong');
}

export function authenticationFailed(): DecryptionError {
  return new DecryptionError(
    'authentication_failed',
    'record failed authentication: it was altered, or it belongs to another tenant, topic, record key or key version',
  );
}

function toBuffer(b: Buffer | string): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}
