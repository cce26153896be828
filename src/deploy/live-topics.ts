/**
 * Topics that exist on a cluster, listed as its admin. `deploy` and `plan` ask before creating a tenant (a stack
 * with no state yet): topics already under the tenant's prefix belong to someone else — typically a decommissioned
 * tenant whose topics were retained — and the new tenant's prefixed grants would reach their data.
 */
import { EnvironmentError } from '../errors';
import { kafkaClient, kafkaErrorType } from '../kafka/client';
import { adminCredentials } from '../local/cluster';
import type { Environment } from '../model/environment';
import type { SecretSource } from '../secrets';

/** Topic names on a cluster (by its name in the environment). */
export type TopicLister = (cluster: string) => Promise<readonly string[]>;

/** Lists topics as the cluster's admin, once per cluster per lister. */
export function adminTopicLister(env: Environment, secrets: SecretSource): TopicLister {
  const cache = new Map<string, Promise<string[]>>();
  return (cluster) => {
    const config = env.clusters[cluster];
    if (!config)
      return Promise.reject(new EnvironmentError(`cluster "${cluster}" is not in environment "${env.name}"`));
    let topics = cache.get(cluster);
    if (!topics) {
      topics = listTopics(config.bootstrapServers, adminCredentials(secrets, cluster)).catch((err: unknown) => {
        cache.delete(cluster);
        throw new EnvironmentError(
          `cannot list the topics of cluster "${cluster}" as admin: ${kafkaErrorType(err)}: ${(err as Error).message}`,
          'is the cluster reachable with the admin credentials of the secret source?',
        );
      });
      cache.set(cluster, topics);
    }
    return topics;
  };
}

async function listTopics(
  brokers: readonly string[],
  creds: { username: string; password: string },
): Promise<string[]> {
  const admin = kafkaClient(brokers, creds, { clientId: 'kafka-tenancy-preflight', retries: 2 }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).sort();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
