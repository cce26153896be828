/**
 * Key-encryption keys (KEKs), one set per tenant, versioned. A KEK never encrypts records: it wraps the random
 * data keys that do (see envelope.ts). That is what makes a KMS possible (the KEK never leaves it) and what makes
 * rotation cheap (a new version wraps new data keys; nothing is re-encrypted).
 *
 * ## Contract for implementations (LocalKeyring below, or a KMS-backed provider)
 * - `currentKek(tenant)` returns the version new records are wrapped with; `kek(tenant, v)` returns any version
 *   that still exists. Both reject with `KeyNotFoundError` when there is none: never fall back to another
 *   tenant's key or another version.
 * - `wrap`/`unwrap` may be asynchronous (a network call to a KMS). `wrap(dataKey, aad)` must return an opaque
 *   blob of at most 65535 bytes that only `unwrap(blob, sameAad)` of the same tenant and version reverses;
 *   `unwrap` must reject with `DecryptionError('authentication_failed', …)` if the blob or the aad was changed
 *   or the blob is malformed (AWS KMS `InvalidCiphertextException`); consumers then drop the record. Any other
 *   error means "provider unavailable" and is rethrown, so consumers retry instead of dropping a good record.
 *   In a KMS, pass the aad as the encryption context (AWS KMS `EncryptionContext`, GCP
 *   `additionalAuthenticatedData`).
 * - Rotation adds version n+1 and makes it current; older versions keep decrypting until they are retired.
 * - Deleting all of a tenant's versions crypto-shreds every record ever written for that tenant.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mkdirPrivate } from '../paths';
import { DecryptionError, KeyNotFoundError, KeyringError } from './errors';
import { assertTenantId, isValidTenantId } from './keys';

export interface Kek {
  readonly tenantId: string;
  readonly version: number;
  /** `<tenant>/v<version>`, the value of the `enc-kek` header. */
  readonly id: string;
  wrap(dataKey: Buffer, aad: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer>;
}

export interface KeyProvider {
  currentKek(tenantId: string): Promise<Kek>;
  kek(tenantId: string, version: number): Promise<Kek>;
}

export const KEK_BYTES = 32;
const WRAP_NONCE_BYTES = 12;
const WRAP_TAG_BYTES = 16;
/** Size of a data key wrapped by LocalKeyring: nonce (12) ‖ AES-256-GCM ciphertext of a 32-byte key ‖ tag (16). */
export const LOCAL_WRAPPED_KEY_BYTES = WRAP_NONCE_BYTES + KEK_BYTES + WRAP_TAG_BYTES;

/**
 * CSPRNG bytes from a pool refilled 8 KiB at a time. `crypto.randomBytes` costs a few microseconds per call
 * whatever the size, more than AES-GCM of a small record; drawing nonces and data keys from a pool removes that
 * (Node's own `crypto.randomUUID` does the same). Bytes are copied out and zeroed in the pool: each is used once.
 * @internal
 */
export function randomInto(target: Buffer, offset: number, size: number): void {
  if (size > 256) {
    crypto.randomFillSync(target, offset, size);
    return;
  }
  if (randomPool.used + size > randomPool.bytes.length) {
    crypto.randomFillSync(randomPool.bytes);
    randomPool.used = 0;
  }
  randomPool.bytes.copy(target, offset, randomPool.used, randomPool.used + size);
  randomPool.bytes.fill(0, randomPool.used, randomPool.used + size);
  randomPool.used += size;
}
const randomPool = { bytes: Buffer.alloc(8192), used: 8192 };

/** A fresh buffer of pooled CSPRNG bytes. @internal */
export function randomBuffer(size: number): Buffer {
  const out = Buffer.alloc(size);
  randomInto(out, 0, size);
  return out;
}

export function kekId(tenantId: string, version: number): string {
  return `${tenantId}/v${version}`;
}

const KEK_ID_PATTERN = /^([a-z][a-z0-9-]{1,30}[a-z0-9])\/v([1-9][0-9]{0,8})$/;

/** Parse `<tenant>/v<version>`; `undefined` when malformed. */
export function parseKekId(id: string): { tenantId: string; version: number } | undefined {
  const m = KEK_ID_PATTERN.exec(id);
  return m ? { tenantId: m[1], version: Number(m[2]) } : undefined;
}

/** `acme-eu`, 2 → `KAFKA_TENANCY_KEK_ACME_EU_V2`. Tenant ids contain "-" but never "_", so this is reversible. */
export function kekEnvName(tenantId: string, version: number): string {
  assertTenantId(tenantId);
  return `KAFKA_TENANCY_KEK_${tenantId.toUpperCase().replace(/-/g, '_')}_V${version}`;
}

const ENV_PATTERN = /^KAFKA_TENANCY_KEK_([A-Z0-9_]+)_V([1-9][0-9]{0,8})$/;

interface TenantKeys {
  current: number;
  readonly versions: Map<number, Buffer>;
}

/** On-disk format of a keyring file. */
interface KeyringFile {
  readonly format: 1;
  readonly tenants: Record<string, { readonly current: number; readonly keys: Record<string, string> }>;
}

type Backing = { kind: 'file'; file: string } | { kind: 'env' } | { kind: 'memory' };

/**
 * KEKs held by this process: from a JSON file (mode 0600, git-ignored — keep it under `.local/`), from
 * `KAFKA_TENANCY_KEK_<TENANT>_V<n>` environment variables (base64 of 32 bytes; read-only), or in memory (tests).
 *
 * Crypto-shredding caveat: `shred` removes the keys from the file, but a local file system (journal, SSD,
 * backups) may keep old blocks. Where shredding must be provable, use a KMS-backed provider.
 */
export class LocalKeyring implements KeyProvider {
  private constructor(
    private readonly tenants: Map<string, TenantKeys>,
    private readonly backing: Backing,
  ) {}

  /**
   * Open the keyring file, creating it (mode 0600, parent directory 0700) if it does not exist, and give every
   * listed tenant that has no key yet a version 1. Refuses a file that group or others can read.
   */
  static openOrCreate(file: string, tenantIds: readonly string[]): LocalKeyring {
    tenantIds.forEach(assertTenantId);
    const keyring = fs.existsSync(file) ? LocalKeyring.open(file) : new LocalKeyring(new Map(), { kind: 'file', file });
    let changed = !fs.existsSync(file);
    for (const id of tenantIds) {
      if (!keyring.tenants.has(id)) {
        keyring.tenants.set(id, { current: 1, versions: new Map([[1, crypto.randomBytes(KEK_BYTES)]]) });
        changed = true;
      }
    }
    if (changed) keyring.persist();
    return keyring;
  }

  /** Open an existing keyring file. */
  static open(file: string): LocalKeyring {
    checkPrivate(file);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new KeyringError(`${file}: not a readable JSON keyring (${(e as Error).message})`);
    }
    return new LocalKeyring(parseKeyringFile(file, raw), { kind: 'file', file });
  }

  /** Read-only keyring from `KAFKA_TENANCY_KEK_<TENANT>_V<n>` variables; the highest version is current. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): LocalKeyring {
    const tenants = new Map<string, TenantKeys>();
    for (const [name, value] of Object.entries(env)) {
      const m = ENV_PATTERN.exec(name);
      if (!m || value === undefined) continue;
      const tenantId = m[1].toLowerCase().replace(/_/g, '-');
      if (!isValidTenantId(tenantId)) throw new KeyringError(`${name}: "${tenantId}" is not a valid tenant id`);
      const version = Number(m[2]);
      const key = decodeKey(value, name);
      const t = tenants.get(tenantId) ?? { current: 0, versions: new Map<number, Buffer>() };
      t.versions.set(version, key);
      t.current = Math.max(t.current, version);
      tenants.set(tenantId, t);
    }
    return new LocalKeyring(tenants, { kind: 'env' });
  }

  /** Ephemeral keyring (tests, benchmarks): a fresh random version 1 per tenant, never written anywhere. */
  static inMemory(tenantIds: readonly string[]): LocalKeyring {
    const tenants = new Map<string, TenantKeys>();
    for (const id of tenantIds) {
      assertTenantId(id);
      tenants.set(id, { current: 1, versions: new Map([[1, crypto.randomBytes(KEK_BYTES)]]) });
    }
    return new LocalKeyring(tenants, { kind: 'memory' });
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()].sort();
  }

  /** Versions that still exist for a tenant, ascending; empty after `shred`. */
  versions(tenantId: string): number[] {
    return [...(this.tenants.get(tenantId)?.versions.keys() ?? [])].sort((a, b) => a - b);
  }

  async currentKek(tenantId: string): Promise<Kek> {
    const t = this.tenants.get(tenantId);
    if (!t || !t.versions.has(t.current)) throw new KeyNotFoundError(tenantId);
    return this.handle(tenantId, t.current);
  }

  async kek(tenantId: string, version: number): Promise<Kek> {
    this.keyBytes(tenantId, version);
    return this.handle(tenantId, version);
  }

  /** Add version n+1 and make it current. Records wrapped with older versions keep decrypting. */
  rotate(tenantId: string): number {
    assertTenantId(tenantId);
    this.assertWritable('rotate');
    const t = this.tenants.get(tenantId);
    if (!t) throw new KeyNotFoundError(tenantId);
    const next = Math.max(0, ...t.versions.keys(), t.current) + 1;
    t.versions.set(next, crypto.randomBytes(KEK_BYTES));
    t.current = next;
    this.persist();
    return next;
  }

  /**
   * Delete one old version once no record wrapped with it is retained any more (after the topic's retention).
   * The current version cannot be retired; rotate first.
   */
  retire(tenantId: string, version: number): void {
    this.assertWritable('retire');
    const t = this.tenants.get(tenantId);
    if (!t || !t.versions.has(version)) throw new KeyNotFoundError(tenantId, version);
    if (t.current === version) {
      throw new KeyringError(`"${kekId(tenantId, version)}" is the current version; rotate before retiring it`);
    }
    t.versions.get(version)!.fill(0);
    t.versions.delete(version);
    this.persist();
  }

  /** Crypto-shred: delete every version of the tenant's keys. Its records can never be decrypted again. */
  shred(tenantId: string): void {
    this.assertWritable('shred');
    const t = this.tenants.get(tenantId);
    if (!t) return;
    for (const key of t.versions.values()) key.fill(0);
    this.tenants.delete(tenantId);
    this.persist();
  }

  private handle(tenantId: string, version: number): Kek {
    // Look the key up on every call, so a shredded or retired version stops working in live handles too.
    return {
      tenantId,
      version,
      id: kekId(tenantId, version),
      wrap: async (dataKey, aad) => {
        const nonce = randomBuffer(WRAP_NONCE_BYTES);
        const cipher = crypto.createCipheriv('aes-256-gcm', this.keyBytes(tenantId, version), nonce, {
          authTagLength: WRAP_TAG_BYTES,
        });
        cipher.setAAD(aad);
        const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
        return Buffer.concat([nonce, body, cipher.getAuthTag()]);
      },
      unwrap: async (wrapped, aad) => {
        const key = this.keyBytes(tenantId, version);
        if (wrapped.length !== LOCAL_WRAPPED_KEY_BYTES) throw authenticationFailed();
        const nonce = wrapped.subarray(0, WRAP_NONCE_BYTES);
        const body = wrapped.subarray(WRAP_NONCE_BYTES, wrapped.length - WRAP_TAG_BYTES);
        const tag = wrapped.subarray(wrapped.length - WRAP_TAG_BYTES);
        try {
          const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: WRAP_TAG_BYTES });
          decipher.setAAD(aad);
          decipher.setAuthTag(tag);
          return Buffer.concat([decipher.update(body), decipher.final()]);
        } catch {
          throw authenticationFailed();
        }
      },
    };
  }

  private keyBytes(tenantId: string, version: number): Buffer {
    const key = this.tenants.get(tenantId)?.versions.get(version);
    if (!key) throw new KeyNotFoundError(tenantId, version);
    return key;
  }

  private assertWritable(op: string): void {
    if (this.backing.kind === 'env') {
      throw new KeyringError(
        `cannot ${op} keys that come from environment variables; change the KAFKA_TENANCY_KEK_<TENANT>_V<n> ` +
          `variables in the secret store and restart`,
      );
    }
  }

  private persist(): void {
    if (this.backing.kind !== 'file') return;
    const { file } = this.backing;
    const doc: KeyringFile = {
      format: 1,
      tenants: Object.fromEntries(
        this.tenantIds().map((id) => {
          const t = this.tenants.get(id)!;
          const keys = Object.fromEntries(
            this.versions(id).map((v) => [String(v), t.versions.get(v)!.toString('base64')]),
          );
          return [id, { current: t.current, keys }];
        }),
      ),
    };
    mkdirPrivate(path.dirname(file));
    // Write a private temporary file and rename it over the old one: readers never see half a keyring, and the
    // key material never exists with looser permissions.
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'wx', 0o600);
      try {
        fs.writeFileSync(fd, `${JSON.stringify(doc, null, 2)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }
}

function authenticationFailed(): DecryptionError {
  return new DecryptionError('authentication_failed', 'wrapped data key failed authentication');
}

function checkPrivate(file: string): void {
  if (process.platform === 'win32') return;
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new KeyringError(
      `${file}: mode ${mode.toString(8).padStart(4, '0')} lets other users read key material; run chmod 600 ${file}`,
    );
  }
}

function decodeKey(value: string, where: string): Buffer {
  const trimmed = value.trim();
  const key = Buffer.from(trimmed, 'base64');
  // Buffer.from(…, 'base64') silently skips junk; a round trip proves the value was clean base64.
  if (key.length !== KEK_BYTES || key.toString('base64').replace(/=+$/, '') !== trimmed.replace(/=+$/, '')) {
    throw new KeyringError(`${where}: expected base64 of exactly ${KEK_BYTES} bytes (e.g. openssl rand -base64 32)`);
  }
  return key;
}

function parseKeyringFile(file: string, raw: unknown): Map<string, TenantKeys> {
  function fail(msg: string): never {
    throw new KeyringError(`${file}: ${msg}`);
  }
  if (typeof raw !== 'object' || raw === null) fail('expected a JSON object');
  const doc = raw as Partial<KeyringFile>;
  if (doc.format !== 1) fail(`unsupported format ${JSON.stringify(doc.format)}, expected 1`);
  if (typeof doc.tenants !== 'object' || doc.tenants === null) fail('missing "tenants" object');
  const tenants = new Map<string, TenantKeys>();
  for (const [id, entry] of Object.entries(doc.tenants!)) {
    if (!isValidTenantId(id)) fail(`tenants: "${id}" is not a valid tenant id`);
    if (typeof entry !== 'object' || entry === null || typeof entry.keys !== 'object' || entry.keys === null) {
      fail(`tenants.${id}: expected { current, keys }`);
    }
    const versions = new Map<number, Buffer>();
    for (const [v, b64] of Object.entries(entry.keys)) {
      if (!/^[1-9][0-9]{0,8}$/.test(v)) fail(`tenants.${id}.keys: "${v}" is not a version number`);
      if (typeof b64 !== 'string') fail(`tenants.${id}.keys.${v}: expected a base64 string`);
      versions.set(Number(v), decodeKey(b64, `${file}: tenants.${id}.keys.${v}`));
    }
    if (!Number.isInteger(entry.current) || !versions.has(entry.current)) {
      fail(`tenants.${id}.current: ${JSON.stringify(entry.current)} is not one of its key versions`);
    }
    tenants.set(id, { current: entry.current, versions });
  }
  return tenants;
}
