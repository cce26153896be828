import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  KeyNotFoundError,
  KeyringError,
  LocalKeyring,
  kekEnvName,
  parseKekId,
  sealRecord,
  openRecord,
} from '../../../src/sdk';

const b64 = () => crypto.randomBytes(32).toString('base64');
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-keyring-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';

describe('LocalKeyring file', () => {
  it('is created with mode 0600 and a version 1 per tenant when missing', async () => {
    const file = path.join(dir, 'nested', 'keyring.json');
    const keyring = LocalKeyring.openOrCreate(file, ['acme', 'bravo']);
    if (posix) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(keyring.tenantIds()).toEqual(['acme', 'bravo']);
    expect(keyring.versions('acme')).toEqual([1]);
    expect((await keyring.currentKek('acme')).id).toBe('acme/v1');
  });

  it('is reopened with the same keys, and gains keys for new tenants only', async () => {
    const file = path.join(dir, 'keyring.json');
    const first = LocalKeyring.openOrCreate(file, ['acme']);
    const record = await sealRecord(first, { tenantId: 'acme', topic: 't' }, 'acme:1', 'hello');
    const second = LocalKeyring.openOrCreate(file, ['acme', 'bravo']);
    expect(second.tenantIds()).toEqual(['acme', 'bravo']);
    const opened = await openRecord(second, { tenantId: 'acme', topic: 't' }, 'acme:1', record.value, record.headers);
    expect(opened.plaintext.toString()).toBe('hello');
  });

  (posix ? it : it.skip)('refuses a file that other users can read', () => {
    const file = path.join(dir, 'keyring.json');
    LocalKeyring.openOrCreate(file, ['acme']);
    fs.chmodSync(file, 0o644);
    expect(() => LocalKeyring.openOrCreate(file, ['acme'])).toThrow(/mode 0644.*chmod 600/);
  });

  it('persists rotation, retirement and shredding', async () => {
    const file = path.join(dir, 'keyring.json');
    const keyring = LocalKeyring.openOrCreate(file, ['acme', 'bravo']);
    expect(keyring.rotate('acme')).toBe(2);
    expect(LocalKeyring.open(file).versions('acme')).toEqual([1, 2]);
    expect((await LocalKeyring.open(file).currentKek('acme')).version).toBe(2);
    keyring.retire('acme', 1);
    expect(LocalKeyring.open(file).versions('acme')).toEqual([2]);
    keyring.shred('acme');
    expect(LocalKeyring.open(file).tenantIds()).toEqual(['bravo']);
    if (posix) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['keyring.json']);
  });

  it('will not retire the current version', () => {
    const keyring = LocalKeyring.inMemory(['acme']);
    expect(() => keyring.retire('acme', 1)).toThrow(/current version; rotate before/);
  });

  it('names what is wrong in a damaged file', () => {
    const file = path.join(dir, 'keyring.json');
    const write = (doc: unknown) =>
      fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc), { mode: 0o600 });
    write('{not json');
    expect(() => LocalKeyring.open(file)).toThrow(KeyringError);
    write({ format: 1, tenants: { acme: { current: 2, keys: { 1: b64() } } } });
    expect(() => LocalKeyring.open(file)).toThrow(/tenants.acme.current: 2 is not one of its key versions/);
    write({ format: 1, tenants: { acme: { current: 1, keys: { 1: 'c2hvcnQ=' } } } });
    expect(() => LocalKeyring.open(file)).toThrow(/exactly 32 bytes/);
    write({ format: 1, tenants: { ACME: { current: 1, keys: { 1: b64() } } } });
    expect(() => LocalKeyring.open(file)).toThrow(/not a valid tenant id/);
  });
});

describe('LocalKeyring from environment variables', () => {
  it('reads KAFKA_TENANCY_KEK_<TENANT>_V<n>; the highest version is current', async () => {
    const env = {
      KAFKA_TENANCY_KEK_ACME_V1: b64(),
      KAFKA_TENANCY_KEK_ACME_V3: b64(),
      KAFKA_TENANCY_KEK_ACME_EU_V1: b64(),
      KAFKA_TENANCY_KEK_SHOP_V2_V1: b64(),
      UNRELATED: 'x',
    };
    const keyring = LocalKeyring.fromEnv(env);
    expect(keyring.tenantIds()).toEqual(['acme', 'acme-eu', 'shop-v2']);
    expect(keyring.versions('acme')).toEqual([1, 3]);
    expect((await keyring.currentKek('acme')).id).toBe('acme/v3');
    expect((await keyring.kek('acme', 1)).version).toBe(1);
  });

  it('names the variable for a tenant and version', () => {
    expect(kekEnvName('acme-eu', 2)).toBe('KAFKA_TENANCY_KEK_ACME_EU_V2');
  });

  it('refuses a value that is not base64 of 32 bytes', () => {
    expect(() => LocalKeyring.fromEnv({ KAFKA_TENANCY_KEK_ACME_V1: 'not-a-key' })).toThrow(
      /KAFKA_TENANCY_KEK_ACME_V1: expected base64/,
    );
    expect(() =>
      LocalKeyring.fromEnv({ KAFKA_TENANCY_KEK_ACME_V1: crypto.randomBytes(16).toString('base64') }),
    ).toThrow(/exactly 32 bytes/);
  });

  it('is read-only: rotation must happen in the secret store', () => {
    const keyring = LocalKeyring.fromEnv({ KAFKA_TENANCY_KEK_ACME_V1: b64() });
    expect(() => keyring.rotate('acme')).toThrow(/environment variables/);
  });
});

describe('KeyProvider lookups', () => {
  it('fail with KeyNotFoundError for unknown tenants and versions, never falling back', async () => {
    const keyring = LocalKeyring.inMemory(['acme']);
    await expect(keyring.currentKek('bravo')).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(keyring.kek('acme', 2)).rejects.toBeInstanceOf(KeyNotFoundError);
  });

  it('parse and refuse KEK ids', () => {
    expect(parseKekId('acme-eu/v12')).toEqual({ tenantId: 'acme-eu', version: 12 });
    for (const bad of ['acme/v0', 'acme/1', 'ACME/v1', 'acme/v1/x', '/v1', 'acme/v01'])
      expect(parseKekId(bad)).toBeUndefined();
  });
});
