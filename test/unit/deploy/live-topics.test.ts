import { EnvironmentError } from '../../../src/errors';
import { adminTopicLister } from '../../../src/deploy/live-topics';
import { loadEnvironment } from '../../../src/model/environment';
import type { SecretSource } from '../../../src/secrets';

describe('listing topics as admin (the new-tenant check)', () => {
  const password = 'not-printed-anywhere-4242';
  const secrets: SecretSource = { get: () => password, getOrCreate: () => password };
  const local = loadEnvironment('local');

  it('refuses a cluster the environment does not have', () => {
    expect(() => adminTopicLister(local, secrets)('nope')).toThrow('cluster "nope" is not in environment "local"');
  });

  it('runs kafkaClient in a child process (from the TypeScript sources here) and reports an unreachable cluster without the password', () => {
    const env = {
      ...local,
      clusters: { ...local.clusters, shared: { ...local.clusters.shared, bootstrapServers: ['127.0.0.1:1'] } },
    };
    let err: unknown;
    try {
      adminTopicLister(env, secrets)('shared');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvironmentError);
    const message = (err as Error).message;
    expect(message).toContain('cannot list the topics of cluster "shared" as admin');
    expect(message).toMatch(/ECONNREFUSED|Connection error|connect/i);
    expect(message.includes(password)).toBe(false);
  });
});
