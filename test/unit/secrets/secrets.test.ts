import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EnvSecrets, LocalFileSecrets, randomPassword } from '../../../src/secrets';

describe('LocalFileSecrets', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-secrets-'));
  const file = path.join(dir, 'nested', 'local.json');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('generates a secret on first use and returns the same one afterwards', async () => {
    const a = await new LocalFileSecrets(file).getOrCreate('scram/acme.billing');
    expect(a).toHaveLength(32);
    expect(await new LocalFileSecrets(file).getOrCreate('scram/acme.billing')).toBe(a);
  });

  it('writes the file readable by its owner only', () => {
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('sees secrets another process added since', async () => {
    const reader = new LocalFileSecrets(file);
    expect(reader.get('scram/globex.api')).toBeUndefined();
    await new LocalFileSecrets(file).getOrCreate('scram/globex.api');
    expect(reader.get('scram/globex.api')).toBeDefined();
  });
});

describe('EnvSecrets', () => {
  it('reads KAFKA_TENANCY_SECRET_<NAME> with "-", "." and "/" encoded as 1, 2 and 3 underscores', () => {
    expect(EnvSecrets.variableName('scram/acme.billing-app')).toBe('KAFKA_TENANCY_SECRET_SCRAM___ACME__BILLING_APP');
  });

  it('never maps two principals to one variable (acme.eu-billing vs acme-eu.billing)', () => {
    expect(EnvSecrets.variableName('scram/acme.eu-billing')).not.toBe(EnvSecrets.variableName('scram/acme-eu.billing'));
  });

  it('refuses to invent a missing secret and says which variable to set', async () => {
    delete process.env.KAFKA_TENANCY_SECRET_ADMIN___SHARED;
    await expect(new EnvSecrets().getOrCreate('admin/shared')).rejects.toThrow(/KAFKA_TENANCY_SECRET_ADMIN___SHARED/);
  });
});

describe('randomPassword', () => {
  it('avoids characters that break JAAS configs and the --add-scram syntax', () => {
    for (let i = 0; i < 200; i++) expect(randomPassword()).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('LocalFileSecrets under concurrent writers', () => {
  it('never loses a secret another process created (locked read-modify-write)', async () => {
    const { spawn } = await import('node:child_process');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-secrets-race-'));
    const file = path.join(dir, 'local.json');
    // Real processes need compiled code: npm test builds before the unit tests run.
    const compiled = path.join(__dirname, '../../../dist/src/secrets/index.js');
    expect(fs.existsSync(compiled)).toBe(true);
    const script = (i: number) =>
      `const { LocalFileSecrets } = require(${JSON.stringify(compiled)});` +
      `const s = new LocalFileSecrets(${JSON.stringify(file)});` +
      `(async () => { for (let j = 0; j < 20; j++) await s.getOrCreate('scram/t${i}.app' + j); })()` +
      `.catch((e) => { console.error(e); process.exit(1); });`;
    const runs = [0, 1, 2, 3].map(
      (i) =>
        new Promise<number>((resolve) => {
          const p = spawn(process.execPath, ['-e', script(i)], { stdio: 'inherit' });
          p.on('exit', (code) => resolve(code ?? 1));
        }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')))).toHaveLength(80);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
