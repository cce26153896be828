/**
 * Tier migrations, the pure part: which moves are legal, the source placement as a tenant spec, and what is
 * copied where. The tenant file declares the TARGET (tier, cluster, topics, applications) and a `migration`
 * block naming where the tenant comes from; the source placement is the same file read for the old tier and
 * cluster, so a migration PR does not restate the tenant twice and adding the block changes nothing on the source.
 */
import type { Environment, Tier } from './environment';
import type { ParsedTenant } from './load';
import type { MigrationSpec, TenantSpec } from './tenant-schema';
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
