import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KeyringError, localKeyringFile, localKeyringFor, openRecord, sealRecord } from '../../../src/sdk';

const posix = process.platform !== 'win32';
let dir: string;
const saved = process.env.KAFKA_TENANCY_LOCAL_DIR;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-local-keys-'));
  process.env.KAFKA_TENANCY_LOCAL_DIR = dir;
});
afterEach(() => {
  if (saved === undefined) delete process.env.KAFKA_TENANCY_LOCAL_DIR;
  else process.env.KAFKA_TENANCY_LOCAL_DIR = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('localKeyringFor', () => {
  it('keeps one private keyring per environment under <localDir>/secrets', () => {
    expect(localKeyringFile('local')).toBe(path.join(dir, 'secrets', 'keys-local.json'));
    localKeyringFor('local', ['medicorp']);
    expect(fs.readdirSync(path.join(dir, 'secrets'))).toEqual(['keys-local.json']);
    if (posix) expect(fs.statSync(localKeyringFile('local')).mode & 0o777).toBe(0o600);
  });

  it('gives every opener the same keys, and adds tenants that have none yet', async () => {
    const writer = localKeyringFor('local', ['medicorp']);
    const sealed = await sealRecord(writer, { tenantId: 'medicorp', topic: 't' }, 'medicorp:1', 'secret');
    const reader = localKeyringFor('local', ['medicorp', 'bigshop']);
    expect(reader.tenantIds()).toEqual(['bigshop', 'medicorp']);
    const opened = await openRecord(
      reader,
      { tenantId: 'medicorp', topic: 't' },
      'medicorp:1',
      sealed.value,
      sealed.headers,
    );
    expect(opened.plaintext.toString()).toBe('secret');
  });

  it('refuses an environment name that is not a plain name', () => {
    expect(() => localKeyringFile('../etc')).toThrow(KeyringError);
  });
});
