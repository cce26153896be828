/**
 * Topics that exist on a cluster, listed as its admin. `deploy` and `plan` ask before creating a tenant (a stack
 * with no state yet): topics already under the tenant's prefix belong to someone else — typically a decommissioned
 * tenant whose topics were retained — and the new tenant's prefixed grants would reach their data.
 */
import { EnvironmentError } from '../errors';
import { type Endpoint, kafkaClient, kafkaErrorType, tlsHint } from '../kafka/client';
import { endpointOfCluster } from '../platform/connection';
import {
  adminCredentials,
  type Credentials,
  DEPLOYER_USER,
  operatorCredentials,
  PLANNER_USER,
} from '../platform/identities';
import { secretNames } from '../secrets';
import { withDeadline } from '../kafka/deadline';
import type { Environment } from '../model/environment';
import type { SecretSource } from '../secrets';

/** A cluster that does not list its topics within this long is reported as not answering (frozen, unreachable). */
export const LIST_DEADLINE_MS = 20_000;

/** Topic names on a cluster (by its name in the environment). */
export type TopicLister = (cluster: string) => Promise<readonly string[]>;

/** Who lists: the planner (plan, pull requests) or the deployer (deploy; the admin until the deployer exists). */
export type ListingIdentity = 'planner' | 'deployer' | 'admin';

function listingCredentials(who: ListingIdentity, secrets: SecretSource, cluster: string): Credentials {
  if (who === 'planner') return operatorCredentials(secrets, PLANNER_USER);
  // before the platform stack first ran, no deployer exists: the bootstrap deploy lists as the admin
  if (who === 'deployer' && secrets.get(secretNames.scram(DEPLOYER_USER)))
    return operatorCredentials(secrets, DEPLOYER_USER);
  return adminCredentials(secrets, cluster);
}

/** Lists topics as an operator (`who`), once per cluster per lister. */
export function operatorTopicLister(env: Environment, secrets: SecretSource, who: ListingIdentity): TopicLister {
  const cache = new Map<string, Promise<string[]>>();
  return (cluster) => {
    const config = env.clusters[cluster];
    if (!config)
      return Promise.reject(new EnvironmentError(`cluster "${cluster}" is not in environment "${env.name}"`));
    let topics = cache.get(cluster);
    if (!topics) {
      const what = `cluster "${cluster}" (${config.bootstrapServers.join(',')})`;
      topics = withDeadline(
        listTopics(endpointOfCluster(config, cluster, secrets), listingCredentials(who, secrets, cluster)),
        LIST_DEADLINE_MS,
        what,
      ).catch((err: unknown) => {
        cache.delete(cluster);
        throw new EnvironmentError(
          `cannot list the topics of ${what} as ${who}: ${kafkaErrorType(err)}: ${(err as Error).message}; nothing was planned or applied`,
          tlsHint(err, cluster) ??
            (who !== 'admin' && kafkaErrorType(err) === 'SASL_AUTHENTICATION_FAILED'
              ? `the ${who} is made by the platform stack (applied as the admin): deploy it first (kafka-tenancy deploy platform)`
              : undefined) ??
            'is the cluster up and answering? kafka-tenancy local status (local clusters: kafka-tenancy local up); check the admin credentials of the secret source',
        );
      });
      cache.set(cluster, topics);
    }
    return topics;
  };
}

async function listTopics(brokers: Endpoint, creds: { username: string; password: string }): Promise<string[]> {
  const admin = kafkaClient(brokers, creds, {
    clientId: 'kafka-tenancy-preflight',
    retries: 2,
  }).admin();
  try {
    await admin.connect();
    return (await admin.listTopics()).sort();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
