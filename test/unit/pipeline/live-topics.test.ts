import { EnvironmentError } from '../../../src/errors';
import { operatorTopicLister } from '../../../src/pipeline/live-topics';
import { loadEnvironment } from '../../../src/model/environment';
import type { SecretSource } from '../../../src/secrets';

describe('listing topics as admin (the new-tenant check)', () => {
  const password = 'not-printed-anywhere-4242';
  const secrets: SecretSource = { get: () => password, getOrCreate: async () => password };
  const local = loadEnvironment('local');

  it('refuses a cluster the environment does not have', async () => {
    await expect(operatorTopicLister(local, secrets, 'admin')('nope')).rejects.toThrow(
      'cluster "nope" is not in environment "local"',
    );
  });

  it('reports an unreachable cluster with a hint and without the password', async () => {
    const env = {
      ...local,
      clusters: { ...local.clusters, shared: { ...local.clusters.shared, bootstrapServers: ['127.0.0.1:1'] } },
    };
    const err = await operatorTopicLister(env, secrets, 'admin')('shared').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    const message = (err as Error).message;
    expect(message).toContain('cannot list the topics of cluster "shared" (127.0.0.1:1) as admin');
    expect(message).toMatch(/ECONNREFUSED|Connection error|connect/i);
    expect(message.includes(password)).toBe(false);
  }, 60_000);
});
