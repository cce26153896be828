/** environments/production.yaml (README "Pointing at a real cluster") speaks SASL_SSL and takes TLS material as documented. */
import * as path from 'node:path';
import { loadEnvironment } from '../../../src/model/environment';
import { environmentWarnings } from '../../../src/model/rules/environment';
import { clusterEndpoint } from '../../../src/platform/connection';
import { EnvSecrets } from '../../../src/secrets';

describe('the production environment example', () => {
  const root = path.resolve(__dirname, '../../..');

  it('loads, speaks SASL_SSL everywhere and draws no warning', () => {
    const env = loadEnvironment('production', root);
    expect(Object.values(env.clusters).map((c) => c.security.protocol)).toEqual(['SASL_SSL', 'SASL_SSL']);
    expect(environmentWarnings(env, 'environments/production.yaml')).toEqual([]);
  });

  it('takes TLS material from the env secret source under the names the README gives', () => {
    const env = loadEnvironment('production', root);
    const vars = {
      KAFKA_TENANCY_SECRET_TLSCA___DEDICATED: 'CA PEM',
    };
    const saved = { ...process.env };
    Object.assign(process.env, vars);
    try {
      const secrets = new EnvSecrets();
      expect(clusterEndpoint(env, 'dedicated', secrets).tls).toEqual({ ca: 'CA PEM' });
      // caCertificate: system → Node's public roots, no bundle needed
      expect(clusterEndpoint(env, 'shared', secrets).tls).toEqual({});
    } finally {
      for (const k of Object.keys(vars)) if (!(k in saved)) delete process.env[k];
    }
  });
});
