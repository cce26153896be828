import { exportEnvLines } from '../../../src/cli/commands/pipeline';
import { EnvSecrets } from '../../../src/secrets';

describe('secrets export-env (what the workflows put into $GITHUB_ENV)', () => {
  const secrets = {
    'scram/acme.eu-billing': 'p1',
    'scram/acme-eu.billing': 'p2=with=equals',
    'admin/shared': 'p3',
    'admin/dedicated-2': 'p4',
  };

  it('names each variable exactly as secrets.source: env reads it, so every secret reads back as itself', () => {
    const lines = exportEnvLines(secrets);
    expect(lines).toEqual([
      'KAFKA_TENANCY_SECRET_ADMIN___DEDICATED_2=p4',
      'KAFKA_TENANCY_SECRET_ADMIN___SHARED=p3',
      'KAFKA_TENANCY_SECRET_SCRAM___ACME_EU__BILLING=p2=with=equals',
      'KAFKA_TENANCY_SECRET_SCRAM___ACME__EU_BILLING=p1',
    ]);
    const saved = { ...process.env };
    try {
      for (const l of lines) {
        const i = l.indexOf('=');
        process.env[l.slice(0, i)] = l.slice(i + 1);
      }
      const env = new EnvSecrets();
      for (const [name, value] of Object.entries(secrets)) expect(env.get(name)).toBe(value);
    } finally {
      for (const l of lines) delete process.env[l.slice(0, l.indexOf('='))];
      Object.assign(process.env, saved);
    }
  });

  it('keeps only the names under --only (the pull-request job takes admin passwords only)', () => {
    expect(exportEnvLines(secrets, 'admin/').map((l) => l.split('=')[0])).toEqual([
      'KAFKA_TENANCY_SECRET_ADMIN___DEDICATED_2',
      'KAFKA_TENANCY_SECRET_ADMIN___SHARED',
    ]);
  });

  it('refuses what an environment file cannot hold, naming the secret and never its value', () => {
    expect(() => exportEnvLines({ 'admin/shared': 'line1\nline2' })).toThrow(
      /^secret "admin\/shared" contains a line break[^]*$/,
    );
    expect(() => exportEnvLines({ 'admin/shared': 'line1\nline2' })).not.toThrow(/line1/);
    expect(() => exportEnvLines({ 'admin/shared': '' })).toThrow('secret "admin/shared" must be a non-empty string');
    expect(() => exportEnvLines({ 'scram/Acme..x': 'v' })).toThrow('cannot be mapped to an environment variable');
    expect(() => exportEnvLines(['v'])).toThrow('must be a JSON object');
  });
});
