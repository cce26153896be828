/**
 * environments/production.yaml is the example the pipelines target (KAFKA_TENANCY_ENV=production): it must load
 * through the real loader, hold the example fleet in tenants/, and look like production, not like `local`.
 */
import * as path from 'node:path';
import { loadModel } from '../../../src/model/build';
import { loadEnvironment } from '../../../src/model/environment';

const root = path.join(__dirname, '..', '..', '..');

describe('environments/production.yaml', () => {
  const env = loadEnvironment('production', root);

  it('loads through the environment loader', () => {
    expect(env.name).toBe('production');
    expect(env.clusters[env.sharedCluster].dedicated).toBe(false);
  });

  it('keeps state in a remote backend and reads secrets from the environment, as the workflows assume', () => {
    expect(env.state.backend).not.toBe('local');
    expect(env.secrets.source).toBe('env');
  });

  it('runs no cluster on this machine and replicates every topic on several brokers', () => {
    for (const [name, c] of Object.entries(env.clusters)) {
      expect([name, c.local]).toEqual([name, undefined]);
      expect([name, c.replicationFactor >= 3]).toEqual([name, true]);
      expect(c.bootstrapServers.every((s) => !/^(127\.|localhost)/.test(s))).toBe(true);
    }
  });

  it('acknowledges a write only once it is on two replicas, in every tier', () => {
    for (const [tier, d] of Object.entries(env.tierDefaults)) expect([tier, d.minInsyncReplicas]).toEqual([tier, 2]);
  });

  it('accepts the example tenants, so the pipelines can plan them', () => {
    const model = loadModel({ env: 'production', root });
    expect(model.tenants.map((t) => t.id)).toEqual(loadModel({ env: 'local', root }).tenants.map((t) => t.id));
  });
});
