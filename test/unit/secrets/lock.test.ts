/** The secrets file's lock waits on a timer, never blocking the event loop; admin passwords are never invented. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EnvironmentError } from '../../../src/errors';
import { EnvSecrets, LocalFileSecrets, requireSecret } from '../../../src/secrets';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-secrets-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('LocalFileSecrets.getOrCreate while another process holds the lock', () => {
  it('keeps the event loop running while it waits, and creates the secret once the lock is released', async () => {
    const file = path.join(dir, 'held.json');
    fs.writeFileSync(`${file}.lock`, '');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const pending = new LocalFileSecrets(file).getOrCreate('scram/acme.app');
      await new Promise((r) => setTimeout(r, 120));
      expect(ticks).toBeGreaterThan(5); // an Atomics.wait loop would have frozen this timer
      expect(fs.existsSync(file)).toBe(false);
      fs.rmSync(`${file}.lock`);
      const secret = await pending;
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ 'scram/acme.app': secret });
      expect(fs.existsSync(`${file}.lock`)).toBe(false);
    } finally {
      clearInterval(timer);
    }
  });

  it('takes over a lock older than 30 s (its holder died)', async () => {
    const file = path.join(dir, 'stale.json');
    fs.writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(`${file}.lock`, old, old);
    expect(await new LocalFileSecrets(file).getOrCreate('scram/acme.app')).toHaveLength(32);
  });

  it('gives each of many concurrent callers in one process its own secret, none lost', async () => {
    const file = path.join(dir, 'concurrent.json');
    const names = Array.from({ length: 20 }, (_, i) => `scram/t${i}.app`);
    const values = await Promise.all(names.map((n) => new LocalFileSecrets(file).getOrCreate(n)));
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    expect(names.map((n) => stored[n])).toEqual(values);
  });
});

describe('requireSecret', () => {
  it('returns a secret that exists', async () => {
    const secrets = new LocalFileSecrets(path.join(dir, 'admin.json'));
    const created = await secrets.getOrCreate('admin/shared');
    expect(requireSecret(secrets, 'admin/shared')).toBe(created);
  });

  it('never invents a missing admin password, and says where it comes from', () => {
    const file = path.join(dir, 'empty.json');
    expect(() => requireSecret(new LocalFileSecrets(file), 'admin/shared')).toThrow(EnvironmentError);
    expect(() => requireSecret(new LocalFileSecrets(file), 'admin/shared')).toThrow(/kafka-tenancy local up/);
    expect(fs.existsSync(file)).toBe(false);
    delete process.env.KAFKA_TENANCY_SECRET_ADMIN___SHARED;
    expect(() => requireSecret(new EnvSecrets(), 'admin/shared')).toThrow(/KAFKA_TENANCY_SECRET_ADMIN___SHARED/);
  });
});
