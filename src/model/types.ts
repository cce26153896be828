/**
 * The resolved, plain typed model: every name, principal, prefix, config and ACL binding is decided here,
 * once. Constructs, the verification suite, plan review and the runtime SDK read this model; none of them
 * re-reads tenant files or re-derives names.
 */
import type { Environment, Tier } from './environment';

export type Classification = 'public' | 'internal' | 'pii' | 'regulated';
export type LifecycleState = 'active' | 'decommissioning';
export type MigrationState = 'copying' | 'cutover' | 'done' | 'aborted';

/**
 * A tier migration in progress (or finished: the block stays in the file). The tenant model itself is the TARGET
 * placement (tier and cluster as the file now declares them); `source` is the same file built for the tier and
 * cluster it moves away from.
 */
export interface MigrationModel {
  readonly state: MigrationState;
  readonly keepSourceData: boolean;
  /** How records move: MirrorMaker 2 between clusters, the shared-tier copier within the shared cluster. */
  readonly engine: 'mirror-maker' | 'copier';
  /** The tenant as it lives on the source: its topics (none on the shared tier), principals, ACLs, quotas. */
  readonly source: TenantModel;
  /** The cluster the tenant moves to (the tenant's own `cluster`; kept here for views of the source placement). */
  readonly targetCluster: string;
  /** Whether source and target are on the same cluster (shared → topic-per-tenant). */
  readonly sameCluster: boolean;
  /** What is copied where: full topic names (identical for a move between clusters). */
  readonly topics: readonly { readonly source: string; readonly target: string }[];
  /** Consumer groups whose offsets are carried over (the tenant's declared groups on the source). */
  readonly groups: readonly string[];
  /** The `migration` block of the tenant file. */
  readonly declaration: SourceLocation;
}

export type { AclBinding, AclOperation, AclPatternType, AclResourceType } from '../acl/types';
import type { AclBinding } from '../acl/types';
import type { SourceLocation } from '../source';

export interface QuotaModel {
  readonly producerByteRate: number;
  readonly consumerByteRate: number;
  readonly requestPercentage: number;
}

export interface TopicModel {
  /** Full Kafka topic name, e.g. `acme.orders` or `shared.orders.placed`. */
  readonly name: string;
  /** Name as declared, e.g. `orders`. */
  readonly logicalName: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Resolved Kafka topic configs (declaration over tier defaults), values as strings. */
  readonly config: Readonly<Record<string, string>>;
  /** Partition decreases / deletion explicitly approved in the tenant file (plan review reads this). */
  readonly allowDataLoss: boolean;
  /**
   * Shared tier: the shared topic this premium topic is the tenant's private copy of (`shared.orders.placed` for
   * `bigshop.premium.orders.placed`); partitions and configs are the shared topic's. @default - not a premium topic
   */
  readonly premiumOf?: string;
  /**
   * The declaration: `topics[i]` (`premiumTopics[i]`) of the tenant file, or `sharedTopics[i]` of the environment
   * file.
   */
  readonly source: SourceLocation;
}

/** A topic removed from a tenant file on purpose (`retiredTopics`), with what happens to its data. */
export interface RetiredTopicModel {
  /** Full Kafka topic name. */
  readonly name: string;
  readonly logicalName: string;
  /** true: deploy deletes it and its records; false: state forgets it, the data stays on the cluster. */
  readonly deleteData: boolean;
  /** The `retiredTopics[i]` (environment: `retiredSharedTopics[i]`) entry. */
  readonly source: SourceLocation;
}

export interface PrincipalModel {
  /** Application name as declared in the tenant file. */
  readonly app: string;
  /** SCRAM username, e.g. `acme.billing`. */
  readonly username: string;
  /** `User:acme.billing` */
  readonly principal: string;
  /** Key under which the secret source keeps this principal's SCRAM password. */
  readonly secretName: string;
  /** Logical topic names this principal produces to / consumes from, as declared. */
  readonly produces: readonly string[];
  readonly consumes: readonly string[];
  /** Full consumer group ids declared (all under the tenant's group prefix). */
  readonly groups: readonly string[];
  /** Full transactional ids declared (all under the tenant's transactional-id prefix). */
  readonly transactionalIds: readonly string[];
  readonly quota: QuotaModel;
  /**
   * Where the quota was declared (`applications[i].quota`; platform consumers: the shared tier's `quotaBounds` in
   * the environment file). @default - absent: the tier's default quota of the environment
   */
  readonly quotaSource?: SourceLocation;
  /** Every binding carries the intent entries (`applications[i].produces[j]`, …) that caused it. */
  readonly acls: readonly AclBinding[];
  /** The declaration: `applications[i]` of the tenant file, or `platformConsumers[i]` of the environment file. */
  readonly source: SourceLocation;
}

export interface DedicatedPartitions {
  /** Full shared topic name, e.g. `shared.orders.placed`. */
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface TenantModel {
  readonly id: string;
  /** Tenant file relative to the project root, e.g. `tenants/acme.yaml`. */
  readonly file: string;
  /** The tenant's `id` in its file. */
  readonly source: SourceLocation;
  readonly tier: Tier;
  /** Name of the cluster (key in the environment's clusters) this tenant's stack targets. */
  readonly cluster: string;
  readonly owner: string;
  readonly contact: string;
  readonly classification: Classification;
  /** Envelope encryption required for this tenant's records (always true for pii on shared). */
  readonly encryption: boolean;
  readonly lifecycle: LifecycleState;
  /** Decommission only: delete the tenant's topics (data) too. */
  readonly deleteData: boolean;
  /** `acme.` — ends with the separator, which tenant ids cannot contain. */
  readonly topicPrefix: string;
  readonly groupPrefix: string;
  readonly transactionalIdPrefix: string;
  /** Own topics (dedicated and topic-per-tenant tiers); on the shared tier, its premium topics (`premiumOf` set). */
  readonly topics: readonly TopicModel[];
  /** Topics retired in the tenant file (never also in `topics`). */
  readonly retiredTopics: readonly RetiredTopicModel[];
  readonly principals: readonly PrincipalModel[];
  /** Shared tier: partitions of shared topics reserved for this tenant. */
  readonly dedicatedPartitions: readonly DedicatedPartitions[];
  /** A move from another tier or cluster, with its phase. @default - none: the tenant was born where it is */
  readonly migration?: MigrationModel;
}

export type PlatformConsumerModel = PrincipalModel;

export interface PlatformModel {
  readonly topics: readonly TopicModel[];
  /** Shared topics retired in the environment file (`retiredSharedTopics`). */
  readonly retiredTopics: readonly RetiredTopicModel[];
  readonly consumers: readonly PlatformConsumerModel[];
}

/** Written by synth next to the stacks; loaded by the runtime SDK's partitioner and dedicated consumer. */
export interface PartitionMap {
  readonly version: 1;
  readonly environment: string;
  readonly topics: Readonly<
    Record<string, { readonly partitions: number; readonly dedicated: Readonly<Record<string, readonly number[]>> }>
  >;
}

export interface Model {
  readonly env: Environment;
  /** Sorted by id. */
  readonly tenants: readonly TenantModel[];
  readonly platform: PlatformModel;
  readonly partitionMap: PartitionMap;
}
