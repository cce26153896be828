/**
 * Tier migrations, the pure part: which moves are legal, the source placement as a tenant spec, and what is
 * copied where. The tenant file declares the TARGET (tier, cluster, topics, applications) and a `migration`
 * block naming where the tenant comes from; the source placement is the same file read for the old tier and
 * cluster, so a migration PR does not restate the tenant twice and adding the block changes nothing on the source.
 */
import type { Environment, Tier } from './environment';
import type { ParsedTenant } from './load';
import type { MigrationSpec, TenantSpec } from './tenant-schema';
import type { AclBinding, PrincipalModel, TenantModel, TopicModel } from './types';
import { sharedTopicName, topicName } from '../naming';

/** The moves a migration may declare, and the engine that copies records for each. */
export const LEGAL_MOVES: readonly { from: Tier; to: Tier; engine: 'mirror-maker' | 'copier'; why: string }[] = [
  {
    from: 'topic-per-tenant',
    to: 'dedicated',
    engine: 'mirror-maker',
    why: 'own topics move to an own cluster, names unchanged (MirrorMaker 2, identity replication)',
  },
  {
    from: 'dedicated',
    to: 'dedicated',
    engine: 'mirror-maker',
    why: 'own cluster to another dedicated cluster (MirrorMaker 2)',
  },
  {
    from: 'shared',
    to: 'topic-per-tenant',
    engine: 'copier',
    why: "the tenant's records are copied out of the shared topics into its own topics on the shared cluster",
  },
];

export function legalMove(from: Tier, to: Tier): (typeof LEGAL_MOVES)[number] | undefined {
  return LEGAL_MOVES.find((m) => m.from === from && m.to === to);
}

/** The cluster a migration moves away from: as declared, else the environment's shared cluster. */
export function migrationSourceCluster(env: Environment, m: MigrationSpec): string {
  return m.from.cluster ?? env.sharedCluster;
}

/**
 * The tenant file as it reads for the source tier and cluster: the same applications and topics; on the shared
 * tier no own topics and no reading (its applications only write shared topics). Retired topics belong to the
 * target (they are retired from the file as it is now).
 */
export function sourceSpec(env: Environment, spec: TenantSpec): TenantSpec {
  const m = spec.migration;
  if (!m) throw new Error(`internal error: tenant ${spec.id} declares no migration`);
  const base: TenantSpec = {
    ...spec,
    tier: m.from.tier,
    cluster: m.from.cluster,
    migration: undefined,
    retiredTopics: [],
  };
  if (m.from.tier !== 'shared') return base;
  const shared = new Set(env.sharedTopics.map((t) => t.name));
  return {
    ...base,
    cluster: undefined,
    topics: [],
    premiumTopics: [],
    dedicatedPartitions: [],
    applications: spec.applications.map((a) => ({
      ...a,
      produces: a.produces.filter((p) => shared.has(p)),
      consumes: [],
      groups: [],
    })),
  };
}

/** The source placement as a parsed tenant (same file and positions), for the rule table and the model. */
export function sourceParsed(env: Environment, t: ParsedTenant): ParsedTenant {
  return { ...t, spec: sourceSpec(env, t.spec) };
}

/**
 * What a migration copies, as full topic names. Between clusters: every own topic, same name on both sides. Out
 * of the shared tier: each declared own topic whose name is a shared topic the tenant's applications write
 * (`orders.placed` → `shared.orders.placed` → `acme.orders.placed`).
 */
export function copiedTopics(env: Environment, spec: TenantSpec): { source: string; target: string }[] {
  const m = spec.migration;
  if (!m) return [];
  if (m.from.tier !== 'shared') {
    return spec.topics.map((t) => ({ source: topicName(spec.id, t.name), target: topicName(spec.id, t.name) }));
  }
  return sharedSourcesOf(env, spec).map((name) => ({
    source: sharedTopicName(name),
    target: topicName(spec.id, name),
  }));
}

/** Shared topics (logical names) the tenant's applications write, which a shared → own-topic move copies from. */
export function sharedSourcesOf(env: Environment, spec: TenantSpec): string[] {
  const shared = new Set(env.sharedTopics.map((t) => t.name));
  return [...new Set(spec.applications.flatMap((a) => a.produces).filter((p) => shared.has(p)))].sort();
}

/** Operations that write records: taken away from the source at cutover, so nothing lands behind the copy. */
const WRITE_OPERATIONS: ReadonlySet<string> = new Set(['Write', 'IdempotentWrite', 'All']);

/** A principal as one placement grants it: credential and quota always, these ACL bindings. */
export interface PlacedPrincipal {
  readonly principal: PrincipalModel;
  readonly acls: readonly AclBinding[];
}

/** What one cluster holds for a tenant in the current phase. */
export interface Placement {
  readonly cluster: string;
  /** Topics declared (created and kept) on this cluster. */
  readonly topics: readonly TopicModel[];
  /** Topics Terraform forgets while their records stay (keepSourceData at done). */
  readonly forgetTopics: readonly string[];
  /** Topics whose deletion the file approves (the source at done without keepSourceData; copies when aborted). */
  readonly deleteTopics: readonly string[];
  /** Credentials that log in here, with the ACLs this phase grants. */
  readonly principals: readonly PlacedPrincipal[];
  /** Usernames whose credential on this cluster is revoked (never deleted: SCRAM deletion can lock users out). */
  readonly revoked: readonly string[];
}

const full = (ps: readonly PrincipalModel[]): PlacedPrincipal[] => ps.map((p) => ({ principal: p, acls: p.acls }));
const noWrites = (ps: readonly PrincipalModel[]): PlacedPrincipal[] =>
  ps.map((p) => ({ principal: p, acls: p.acls.filter((b) => !WRITE_OPERATIONS.has(b.operation)) }));
const noAcls = (ps: readonly PrincipalModel[]): PlacedPrincipal[] => ps.map((p) => ({ principal: p, acls: [] }));
const names = (ts: readonly TopicModel[]) => ts.map((t) => t.name);

/**
 * The placements of a tenant in its current phase: `home` is bound to the stack's own cluster (the source while
 * a move between clusters is declared: nothing it had moves in Terraform's state), `away` (moves between
 * clusters only) is the other cluster, through an aliased provider.
 *
 * | phase    | source                                   | target                                 |
 * | copying  | as before                                | topics, credentials, quotas; no ACLs   |
 * | cutover  | ACLs without Write/IdempotentWrite       | as in copying                          |
 * | done     | credentials revoked, topics forgotten or deleted (keepSourceData), ACLs and quotas gone | everything |
 * | aborted  | as before                                | copies deleted, credentials revoked    |
 *
 * Shared → topic-per-tenant lives on one cluster: one placement, the target's own topics from copying on, the
 * principals' ACLs switching from the shared-tier grants (without writes at cutover) to the target's at done.
 */
export function placements(t: TenantModel): { home: Placement; away?: Placement } {
  const m = t.migration;
  if (!m) {
    return {
      home: {
        cluster: t.cluster,
        topics: t.topics,
        forgetTopics: [],
        deleteTopics: [],
        principals: full(t.principals),
        revoked: [],
      },
    };
  }
  const src = m.source;
  if (m.sameCluster) {
    const principals =
      m.state === 'done' ? full(t.principals) : m.state === 'cutover' ? noWrites(src.principals) : full(src.principals);
    // quotas follow the tier the tenant works in: the source's until done
    return {
      home: {
        cluster: t.cluster,
        topics: m.state === 'aborted' ? src.topics : t.topics,
        forgetTopics: [],
        deleteTopics: m.state === 'aborted' ? names(t.topics) : [],
        principals,
        revoked: [],
      },
    };
  }
  const usernames = (ps: readonly PrincipalModel[]) => ps.map((p) => p.username);
  const home: Placement = {
    cluster: src.cluster,
    topics: m.state === 'done' ? [] : src.topics,
    forgetTopics: m.state === 'done' && m.keepSourceData ? names(src.topics) : [],
    deleteTopics: m.state === 'done' && !m.keepSourceData ? names(src.topics) : [],
    principals: m.state === 'done' ? [] : m.state === 'cutover' ? noWrites(src.principals) : full(src.principals),
    revoked: m.state === 'done' ? usernames(src.principals) : [],
  };
  const away: Placement = {
    cluster: t.cluster,
    topics: m.state === 'aborted' ? [] : t.topics,
    forgetTopics: [],
    deleteTopics: m.state === 'aborted' ? names(t.topics) : [],
    principals: m.state === 'aborted' ? [] : m.state === 'done' ? full(t.principals) : noAcls(t.principals),
    revoked: m.state === 'aborted' ? usernames(t.principals) : [],
  };
  return { home, away };
}

/** The cluster a tenant's stack is bound to (default provider, topic ledger): the source during a move between clusters. */
export function stackClusterOf(t: TenantModel): string {
  return t.migration && !t.migration.sameCluster ? t.migration.source.cluster : t.cluster;
}

/** Every cluster a tenant's stack touches. */
export function clustersOf(t: TenantModel): string[] {
  return [...new Set([stackClusterOf(t), t.cluster])];
}
