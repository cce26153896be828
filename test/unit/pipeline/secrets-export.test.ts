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
    expect(exportEnvLines(secrets, ['admin/shared', 'scram/']).map((l) => l.split('=')[0])).toEqual(
      exportEnvLines(secrets)
        .map((l) => l.split('=')[0])
        .filter((n) => n === 'KAFKA_TENANCY_SECRET_ADMIN___SHARED' || n.startsWith('KAFKA_TENANCY_SECRET_SCRAM___')),
    );
  });

  it("exports a PEM bundle in GitHub's multi-line form, with a delimiter the value does not contain", () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const lines = exportEnvLines({ 'tlsca/shared': pem });
    expect(lines[0]).toMatch(/^KAFKA_TENANCY_SECRET_TLSCA___SHARED<<(KAFKA_TENANCY_EOF_[0-9a-f]{16})$/);
    const delimiter = lines[0]!.split('<<')[1]!;
    expect(lines.slice(1)).toEqual(['-----BEGIN CERTIFICATE-----', 'MIIB', '-----END CERTIFICATE-----', delimiter]);
  });

  it('refuses what an environment file cannot hold, naming the secret and never its value', () => {
    expect(() => exportEnvLines({ 'admin/shared': 'line1\r\nline2' })).toThrow(
      /^secret "admin\/shared" contains a carriage return[^]*$/,
    );
    expect(() => exportEnvLines({ 'admin/shared': 'line1\r\nline2' })).not.toThrow(/line1/);
    expect(() => exportEnvLines({ 'admin/shared': '' })).toThrow('secret "admin/shared" must be a non-empty string');
    expect(() => exportEnvLines({ 'scram/Acme..x': 'v' })).toThrow('cannot be mapped to an environment variable');
    expect(() => exportEnvLines(['v'])).toThrow('must be a JSON object');
  });
});
