/** docs/examples/environment-production.yaml (README "Pointing at a real cluster") stays a valid environment. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironment } from '../../../src/model/environment';
import { environmentWarnings } from '../../../src/model/rules/environment';
import { clusterEndpoint } from '../../../src/platform/connection';
import { EnvSecrets } from '../../../src/secrets';

const EXAMPLE = path.resolve(__dirname, '../../../docs/examples/environment-production.yaml');

describe('the production environment example', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-prod-example-'));
  fs.mkdirSync(path.join(root, 'environments'));
  fs.copyFileSync(EXAMPLE, path.join(root, 'environments', 'production.yaml'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('loads, speaks SASL_SSL everywhere and draws no warning', () => {
    const env = loadEnvironment('production', root);
    expect(Object.values(env.clusters).map((c) => c.security.protocol)).toEqual(['SASL_SSL', 'SASL_SSL']);
    expect(environmentWarnings(env, 'environments/production.yaml')).toEqual([]);
  });

  it('takes TLS material from the env secret source under the names the README gives', () => {
    const env = loadEnvironment('production', root);
    const vars = {
      KAFKA_TENANCY_SECRET_TLSCA___DEDICATED_ACME: 'CA PEM',
      KAFKA_TENANCY_SECRET_TLSCERT___DEDICATED_ACME: 'CERT PEM',
      KAFKA_TENANCY_SECRET_TLSKEY___DEDICATED_ACME: 'KEY PEM',
    };
    const saved = { ...process.env };
    Object.assign(process.env, vars);
    try {
      const secrets = new EnvSecrets();
      expect(clusterEndpoint(env, 'dedicated-acme', secrets).tls).toEqual({
        ca: 'CA PEM',
        cert: 'CERT PEM',
        key: 'KEY PEM',
      });
      // caCertificate: system → Node's public roots, no bundle needed
      expect(clusterEndpoint(env, 'shared', secrets).tls).toEqual({});
    } finally {
      for (const k of Object.keys(vars)) if (!(k in saved)) delete process.env[k];
    }
  });
});
