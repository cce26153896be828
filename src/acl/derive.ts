/**
 * Intent → ACL bindings. Tenants declare who produces, who consumes, which groups and transactional ids; this
 * file is the only place that turns that into grants, and every grant carries the reason it exists.
 *
 * Why PREFIXED per tenant rather than LITERAL per topic: the ACL count stays O(principals) instead of
 * O(principals × topics). At scale, thousands of literal ACLs saturate broker request threads (~7,000 ACLs for
 * ~500 topics in KAFKA-20667) and make one Terraform state crawl (16,000 topics + ACLs, 5–23 minutes to add one
 * topic, Mongey/kafka #294); every ACL edit is also destroy + create in that provider, so fewer, stabler ACLs
 * mean smaller, safer plans. A principal here gets at most 6 bindings however many topics its tenant has, and
 * adding a topic changes no ACL at all.
 *
 * The trade-off: inside one tenant, a producer may write (and a consumer read) every topic of that tenant, not
 * just the ones it declared. The tenant boundary is enforced by Kafka; the application boundary inside a tenant
 * is the tenant's own business (declared intent still documents it, and validation rejects intent naming a
 * topic that does not exist). A tenant needing hard walls between its applications should be two tenants.
 *
 * Every prefix ends with the separator, which tenant ids cannot contain, so `acme.` never matches `acme-eu.x`.
 * Never: a wildcard principal, a `*` resource, a Cluster grant, a DENY, a prefix without the separator.
 */
import {
  SHARED_TOPIC_PREFIX,
  groupPrefix,
  platformGroupPrefix,
  platformUsername,
  premiumTopicName,
  premiumTopicPrefix,
  principalOf,
  sharedTopicName,
  topicName,
  topicPrefix,
  transactionalIdPrefix,
} from '../naming';
import type { SourceLocation } from '../source';
import { aclId, compareBindings } from './id';
import { aclPolicyFindings } from './policy';
import type { AclBinding, AclOperation, AclPatternType } from './types';

/**
 * Upper bound of bindings for any tenant principal on any tier: Write, Read, Describe, Group Read, Txn Write +
 * Describe; on the shared tier Write + Describe on `shared.` and on its premium prefix, Txn Write + Describe.
 */
export const MAX_BINDINGS_PER_PRINCIPAL = 6;

/** What one tenant application declared, with names already resolved (groups and transactional ids are full ids). */
export interface AppIntent {
  readonly tenantId: string;
  /** The tenant's tier (the model's `Tier`; spelled out here so that this module does not depend on the model). */
  readonly tier: 'dedicated' | 'topic-per-tenant' | 'shared';
  /** SCRAM username, e.g. `acme.billing`. */
  readonly username: string;
  /** Logical topic names (own topics; on the shared tier, shared topic names). */
  readonly produces: readonly string[];
  readonly consumes: readonly string[];
  /** Full group ids, e.g. `acme.billing`. */
  readonly groups: readonly string[];
  /** Full transactional ids, e.g. `acme.billing-tx`. */
  readonly transactionalIds: readonly string[];
  /**
   * Shared tier: the tenant's premium topics, as logical shared topic names (`orders.placed` for
   * `bigshop.premium.orders.placed`). An application producing one of them may write the premium copy.
   * @default - none
   */
  readonly premiumTopics?: readonly string[];
  /** Where each entry was declared, by field and entry (as given above): what `explain` points at. */
  readonly sources?: IntentSources;
}

export type IntentField = 'produces' | 'consumes' | 'groups' | 'transactionalIds' | 'premiumTopics';
export type IntentSources = Partial<Record<IntentField, ReadonlyMap<string, readonly SourceLocation[]>>>;

type Grant = {
  resourceType: AclBinding['resourceType'];
  /** @default 'Prefixed' */
  patternType?: AclPatternType;
  resourceName: string;
  operation: AclOperation;
  reason: string;
  sources: readonly SourceLocation[];
};

const list = (names: readonly string[]) => [...new Set(names)].sort().join(', ');

/** Bindings for one tenant application: least privilege, all PREFIXED with a separator-terminated prefix. */
export function tenantAcls(intent: AppIntent): AclBinding[] {
  const grants: Grant[] = [];
  const shared = intent.tier === 'shared';
  const topics = shared ? SHARED_TOPIC_PREFIX : topicPrefix(intent.tenantId);
  const full = (logical: string) => (shared ? sharedTopicName(logical) : topicName(intent.tenantId, logical));
  const scope = shared
    ? 'the prefix covers every shared topic'
    : `the prefix covers every topic of tenant ${intent.tenantId}`;
  const at = (field: IntentField, names: readonly string[]): SourceLocation[] =>
    names.flatMap((n) => intent.sources?.[field]?.get(n) ?? []);
  const produced = list(intent.produces.map(full));
  // Shared-tier tenants never read: shared topics mix every tenant's records; only platform consumers read them.
  const consumed = shared ? '' : list(intent.consumes.map(full));

  if (produced)
    grants.push({
      resourceType: 'Topic',
      resourceName: topics,
      operation: 'Write',
      reason: `produces ${produced} (${scope})`,
      sources: at('produces', intent.produces),
    });
  if (consumed)
    grants.push({
      resourceType: 'Topic',
      resourceName: topics,
      operation: 'Read',
      reason: `consumes ${consumed} (${scope})`,
      sources: at('consumes', intent.consumes),
    });
  if (produced || consumed) {
    const what = [produced && `produces (${produced})`, consumed && `consumes (${consumed})`]
      .filter(Boolean)
      .join(' and ');
    grants.push({
      resourceType: 'Topic',
      resourceName: topics,
      operation: 'Describe',
      reason: `fetches metadata of the topics it ${what}`,
      sources: [...at('produces', intent.produces), ...(consumed ? at('consumes', intent.consumes) : [])],
    });
  }
  // Premium topics live under the tenant's own prefix (`bigshop.premium.`), which no other tenant's grant reaches
  // (see naming.ts): this is the write path other shared-tier tenants cannot share, unlike reserved partitions.
  const premium = shared ? intent.produces.filter((l) => intent.premiumTopics?.includes(l)) : [];
  if (premium.length > 0) {
    const prefix = premiumTopicPrefix(intent.tenantId);
    const names = list(premium.map((l) => premiumTopicName(intent.tenantId, l)));
    const sources = [...at('produces', premium), ...at('premiumTopics', premium)];
    grants.push({
      resourceType: 'Topic',
      resourceName: prefix,
      operation: 'Write',
      reason: `produces its premium topics ${names} (the prefix covers only tenant ${intent.tenantId}'s premium topics, which no other tenant can write)`,
      sources,
    });
    grants.push({
      resourceType: 'Topic',
      resourceName: prefix,
      operation: 'Describe',
      reason: `fetches metadata of its premium topics ${names}`,
      sources,
    });
  }
  if (consumed && intent.groups.length > 0) {
    const prefix = groupPrefix(intent.tenantId);
    grants.push({
      resourceType: 'Group',
      resourceName: prefix,
      operation: 'Read',
      reason: `joins consumer groups ${list(intent.groups)} (the prefix covers every group of tenant ${intent.tenantId})`,
      sources: at('groups', intent.groups),
    });
  }
  if (intent.transactionalIds.length > 0) {
    const ids = list(intent.transactionalIds);
    const prefix = transactionalIdPrefix(intent.tenantId);
    grants.push({
      resourceType: 'TransactionalId',
      resourceName: prefix,
      operation: 'Write',
      reason: `produces transactionally as ${ids} (the prefix covers every transactional id of tenant ${intent.tenantId})`,
      sources: at('transactionalIds', intent.transactionalIds),
    });
    grants.push({
      resourceType: 'TransactionalId',
      resourceName: prefix,
      operation: 'Describe',
      reason: `looks up its transactional ids ${ids} when it starts a transactional producer`,
      sources: at('transactionalIds', intent.transactionalIds),
    });
  }
  return bindings(intent.username, grants);
}

/** A shared-tier tenant's premium copy of a shared topic, which the shared topic's platform consumers read too. */
export interface PremiumTopicRef {
  /** Logical shared topic name, e.g. `orders.placed`. */
  readonly shared: string;
  /** Full premium topic name, e.g. `bigshop.premium.orders.placed`. */
  readonly topic: string;
  readonly tenantId: string;
  /** The tenant's `premiumTopics[i]` entry. */
  readonly sources: readonly SourceLocation[];
}

/**
 * Bindings for a platform consumer (`platform.<name>`): the only principals that READ shared topics, each
 * confined to its own group prefix `platform.<name>.`. Unlike tenants, a platform consumer gets LITERAL grants on
 * exactly the shared topics it declares: shared topics carry every tenant's records, so a consumer that declared
 * `orders.placed` must not read `orders.shipped` (or a shared topic added later). The same goes for premium topics:
 * a consumer of `orders.placed` reads every tenant's premium copy of it (`bigshop.premium.orders.placed`), each by
 * a LITERAL grant, and nothing else under the tenant's prefix. There are few shared and premium topics, so the ACL
 * count stays small.
 */
export function platformConsumerAcls(
  name: string,
  consumes: readonly string[],
  /** Where each logical shared topic name of `consumes` was declared in the environment file. */
  sources?: ReadonlyMap<string, readonly SourceLocation[]>,
  /** Every premium topic of the fleet; those of the shared topics in `consumes` are granted. @default - none */
  premiumTopics: readonly PremiumTopicRef[] = [],
): AclBinding[] {
  const logical = [...new Set(consumes)].sort((a, b) => (sharedTopicName(a) < sharedTopicName(b) ? -1 : 1));
  const literal = (topic: string, reason: string, at: readonly SourceLocation[]): Grant[] => [
    { resourceType: 'Topic', patternType: 'Literal', resourceName: topic, operation: 'Read', reason, sources: at },
    {
      resourceType: 'Topic',
      patternType: 'Literal',
      resourceName: topic,
      operation: 'Describe',
      reason: `fetches metadata of ${topic}`,
      sources: at,
    },
  ];
  const grants: Grant[] = logical.flatMap((l) =>
    literal(sharedTopicName(l), `consumes ${sharedTopicName(l)} as a platform consumer`, sources?.get(l) ?? []),
  );
  const premium = premiumTopics.filter((p) => logical.includes(p.shared));
  for (const p of premium) {
    grants.push(
      ...literal(
        p.topic,
        `consumes ${sharedTopicName(p.shared)} as a platform consumer, and so tenant ${p.tenantId}'s premium copy ${p.topic}`,
        [...(sources?.get(p.shared) ?? []), ...p.sources],
      ),
    );
  }
  grants.push({
    resourceType: 'Group',
    resourceName: platformGroupPrefix(name),
    operation: 'Read',
    reason: `joins its own consumer groups ${platformGroupPrefix(name)}* and no one else's`,
    sources: [...(sources?.values() ?? [])].flat(),
  });
  return bindings(platformUsername(name), grants, 2 * (logical.length + new Set(premium.map((p) => p.topic)).size) + 1);
}

/** Turn grants into bindings; grants on the same resource and operation are merged into one binding. */
function bindings(
  user: string,
  grants: readonly Grant[],
  max = MAX_BINDINGS_PER_PRINCIPAL,
  /** Operators hold the wide grants the tenant policy forbids (literal `*`, Cluster); verify checks them exactly. */
  policy = true,
): AclBinding[] {
  const merged = new Map<string, Grant>();
  for (const g of grants) {
    const key = `${g.resourceType}\n${g.patternType ?? 'Prefixed'}\n${g.resourceName}\n${g.operation}`;
    const seen = merged.get(key);
    merged.set(
      key,
      seen ? { ...seen, reason: `${seen.reason}; ${g.reason}`, sources: [...seen.sources, ...g.sources] } : g,
    );
  }
  const principal = principalOf(user);
  const out = [...merged.values()].map((g): AclBinding => {
    const key = {
      principal,
      resourceType: g.resourceType,
      patternType: g.patternType ?? 'Prefixed',
      resourceName: g.resourceName,
      operation: g.operation,
    };
    return {
      ...key,
      host: '*',
      permission: 'Allow',
      reason: g.reason,
      sources: uniqueSources(g.sources),
      id: aclId(key),
    };
  });
  for (const b of policy ? out : []) {
    const findings = aclPolicyFindings(b);
    if (findings.length) {
      throw new Error(`internal error: derived an unsafe ACL ${b.id}: ${findings.map((f) => f.message).join('; ')}`);
    }
  }
  if (out.length > max) {
    throw new Error(`internal error: ${out.length} bindings for ${principal}, more than ${max}`);
  }
  return out.sort(compareBindings);
}

function uniqueSources(sources: readonly SourceLocation[]): SourceLocation[] {
  const seen = new Map<string, SourceLocation>();
  for (const l of sources) seen.set(`${l.file}\n${l.path}`, l);
  return [...seen.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/** The platform's operator principals: `deployer` applies plans, `planner` only reads (pull requests, verify). */
export type OperatorRole = 'deployer' | 'planner';

/** Kafka's one cluster resource name. */
export const CLUSTER_RESOURCE = 'kafka-cluster';

/**
 * The least privilege the Mongey provider needs, on every cluster, derived from the Kafka API each resource
 * calls (KIP-11/KIP-455 ACL table) — and nothing that touches data: no READ, no WRITE, no group, no transactional
 * id. Kafka implies DESCRIBE from ALTER and DELETE and DESCRIBE_CONFIGS from ALTER_CONFIGS, so those are not
 * granted twice.
 *
 * deployer:
 * - Topic `*` CREATE: kafka_topic create (CreateTopics).
 * - Topic `*` DELETE: kafka_topic destroy, only after the data-safety guards (DeleteTopics); implies DESCRIBE
 *   (Metadata, ListOffsets of the refresh).
 * - Topic `*` ALTER: more partitions (CreatePartitions); implies DESCRIBE.
 * - Topic `*` ALTER_CONFIGS: topic configs (IncrementalAlterConfigs); implies DESCRIBE_CONFIGS (the refresh).
 * - Cluster ALTER: kafka_acl (CreateAcls/DeleteAcls), kafka_user_scram_credential (AlterUserScramCredentials),
 *   replica reassignment when a topic's replication factor changes; implies DESCRIBE (DescribeAcls,
 *   DescribeUserScramCredentials).
 * - Cluster ALTER_CONFIGS: kafka_quota (AlterClientQuotas); implies DESCRIBE_CONFIGS (DescribeClientQuotas).
 *
 * planner (a refreshing `terraform plan`, verify's reads):
 * - Topic `*` DESCRIBE and DESCRIBE_CONFIGS; Cluster DESCRIBE and DESCRIBE_CONFIGS.
 *
 * Cluster ALTER lets the deployer write ACLs, its own included: it can grant itself READ. That is what applying
 * a reviewed plan means; the guard is the review (and verify, which fails on any operator binding beyond these).
 */
export function operatorAcls(username: string, role: OperatorRole): AclBinding[] {
  const topic = (operation: AclOperation, reason: string): Grant => ({
    resourceType: 'Topic',
    patternType: 'Literal',
    resourceName: '*',
    operation,
    reason,
    sources: [],
  });
  const cluster = (operation: AclOperation, reason: string): Grant => ({
    resourceType: 'Cluster',
    patternType: 'Literal',
    resourceName: CLUSTER_RESOURCE,
    operation,
    reason,
    sources: [],
  });
  const grants: Grant[] =
    role === 'deployer'
      ? [
          topic('Create', 'creates declared topics (CreateTopics)'),
          topic('Delete', 'deletes topics whose removal was explicitly decided (DeleteTopics); implies Describe'),
          topic('Alter', 'adds partitions (CreatePartitions); implies Describe'),
          topic('AlterConfigs', 'sets topic configs (IncrementalAlterConfigs); implies DescribeConfigs'),
          cluster(
            'Alter',
            'creates and deletes ACLs and SCRAM credentials, reassigns replicas (CreateAcls, DeleteAcls, AlterUserScramCredentials, AlterPartitionReassignments); implies Describe',
          ),
          cluster('AlterConfigs', 'sets client quotas (AlterClientQuotas); implies DescribeConfigs'),
        ]
      : [
          topic('Describe', 'reads topic metadata for a refreshing plan (Metadata, ListOffsets)'),
          topic('DescribeConfigs', 'reads topic configs for a refreshing plan (DescribeConfigs)'),
          cluster(
            'Describe',
            'reads ACLs and SCRAM credentials for a refreshing plan (DescribeAcls, DescribeUserScramCredentials)',
          ),
          cluster('DescribeConfigs', 'reads client quotas for a refreshing plan (DescribeClientQuotas)'),
        ];
  return bindings(username, grants, grants.length, false);
}
