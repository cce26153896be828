/**
 * Rules that need more than one file: the environment (clusters, shared topics, tier bounds) and the other
 * tenants (ids, cluster ownership, partitions, name collisions). One file on its own is checked by the schema in
 * `tenant-schema.ts`.
 *
 * Adding a rule: append `{ code, describe, check }` to RULES. Every rule runs, every problem is reported at
 * once, sorted. A rule only looks at tenants that decoded; if it depends on another rule's precondition (a
 * known cluster, say), it skips silently and lets that rule report.
 *
 * Messages are lowercase and say what was received, what is allowed and how to fix it.
 */
import { type Problem, sortProblems } from '../errors';
import type { ClusterConfig, Environment } from './environment';
import type { ParsedTenant } from './load';
import {
  LEGAL_TOPIC_NAME,
  MAX_TOPIC_NAME_LENGTH,
  RESERVED_IDS,
  collisionKey,
  groupId,
  isReservedId,
  sharedTopicName,
  topicName,
  transactionalId,
} from '../naming';
import type { ApplicationSpec, TenantSpec } from './tenant-schema';

export interface RuleContext {
  readonly env: Environment;
  /** Tenants that decoded (file names may not match ids; that is reported by the loader). */
  readonly tenants: readonly ParsedTenant[];
}

export interface Rule {
  /** Stable code carried by every problem the rule reports. */
  readonly code: string;
  /** One line for the docs and `kafka-tenancy validate --rules`. */
  readonly describe: string;
  check(ctx: RuleContext): Problem[];
}

/** The cluster a tenant's stack targets: as declared, else the environment's shared cluster. */
export function targetCluster(env: Environment, spec: Pick<TenantSpec, 'cluster'>): string {
  return spec.cluster ?? env.sharedCluster;
}

const or = (names: readonly string[], none: string) => (names.length ? names.join(', ') : none);

function clusterOf(env: Environment, spec: TenantSpec): { name: string; cluster: ClusterConfig } | undefined {
  const name = targetCluster(env, spec);
  const cluster = env.clusters[name];
  return cluster ? { name, cluster } : undefined;
}

const dedicatedClusters = (env: Environment) =>
  Object.entries(env.clusters)
    .filter(([, c]) => c.dedicated)
    .map(([n]) => n)
    .sort();

const sharedTopicNames = (env: Environment) => env.sharedTopics.map((t) => t.name).sort();

/** Run `fn` for every application and collect what it reports. */
function perApp(
  ctx: RuleContext,
  fn: (t: ParsedTenant, app: ApplicationSpec, at: string) => Problem[] | Problem | undefined,
): Problem[] {
  return ctx.tenants.flatMap((t) =>
    t.spec.applications.flatMap((app, i) => {
      const r = fn(t, app, `applications[${i}]`);
      return r === undefined ? [] : Array.isArray(r) ? r : [r];
    }),
  );
}

/** Entries declared twice within one tenant: report each repeat at its own path, citing the first. */
function repeats(
  t: ParsedTenant,
  code: string,
  items: ReadonlyArray<readonly [value: string, path: string]>,
  message: (value: string, firstPath: string, path: string) => string,
): Problem[] {
  const first = new Map<string, string>();
  const out: Problem[] = [];
  for (const [value, path] of items) {
    const seen = first.get(value);
    if (seen === undefined) first.set(value, path);
    else out.push({ file: t.file, path, code, message: message(value, seen, path) });
  }
  return out;
}

/** Whether two `applications[i].…` paths belong to the same application. */
const sameApp = (a: string, b: string) => a.slice(0, a.indexOf(']')) === b.slice(0, b.indexOf(']'));

export const RULES: readonly Rule[] = [
  {
    code: 'duplicate_id',
    describe: 'tenant ids are unique across files',
    check: ({ tenants }) => {
      const byId = new Map<string, ParsedTenant[]>();
      for (const t of tenants) byId.set(t.spec.id, [...(byId.get(t.spec.id) ?? []), t]);
      return [...byId.values()]
        .filter((group) => group.length > 1)
        .flatMap((group) =>
          group.map((t) => ({
            file: t.file,
            path: 'id',
            code: 'duplicate_id',
            message: `"${t.spec.id}" is also declared in ${group
              .filter((o) => o !== t)
              .map((o) => o.file)
              .join(', ')}; tenant ids must be unique: rename one of them`,
          })),
        );
    },
  },
  {
    code: 'reserved_id',
    describe: 'tenant ids cannot be platform namespaces or principals (shared, platform, admin, controller, __*)',
    check: ({ tenants }) =>
      tenants
        .filter((t) => isReservedId(t.spec.id))
        .map((t) => ({
          file: t.file,
          path: 'id',
          code: 'reserved_id',
          message: `"${t.spec.id}" is reserved for the platform (reserved: ${RESERVED_IDS.join(', ')} and anything starting with "__"); choose another id`,
        })),
  },
  {
    code: 'unknown_cluster',
    describe: 'a declared cluster exists in the environment',
    check: ({ env, tenants }) =>
      tenants
        .filter((t) => t.spec.cluster !== undefined && !env.clusters[t.spec.cluster])
        .map((t) => ({
          file: t.file,
          path: 'cluster',
          code: 'unknown_cluster',
          message: `"${t.spec.cluster}" is not a cluster of environment "${env.name}" (clusters: ${Object.keys(env.clusters).sort().join(', ')}); use one of them, or remove cluster to use the shared cluster "${env.sharedCluster}"`,
        })),
  },
  {
    code: 'cluster_required',
    describe: 'a dedicated-tier tenant names its dedicated cluster',
    check: ({ env, tenants }) =>
      tenants
        .filter((t) => t.spec.tier === 'dedicated' && t.spec.cluster === undefined)
        .map((t) => ({
          file: t.file,
          path: 'cluster',
          code: 'cluster_required',
          message: `is required for the dedicated tier; set it to a dedicated cluster of environment "${env.name}" (${or(dedicatedClusters(env), 'none yet: add one with dedicated: true')})`,
        })),
  },
  {
    code: 'tier_cluster_mismatch',
    describe: 'dedicated tier on a dedicated cluster, other tiers never on one, shared tier on the shared cluster',
    check: ({ env, tenants }) =>
      tenants.flatMap((t): Problem[] => {
        const target = clusterOf(env, t.spec);
        if (!target || t.spec.cluster === undefined) return [];
        const at = { file: t.file, path: 'cluster', code: 'tier_cluster_mismatch' };
        const { name, cluster } = target;
        if (t.spec.tier === 'dedicated' && !cluster.dedicated) {
          return [
            {
              ...at,
              message: `"${name}" is not a dedicated cluster, but tier is dedicated; use a dedicated cluster (${or(dedicatedClusters(env), 'none yet: add one with dedicated: true')}) or choose tier topic-per-tenant`,
            },
          ];
        }
        if (t.spec.tier !== 'dedicated' && cluster.dedicated) {
          return [
            {
              ...at,
              message: `"${name}" is a dedicated cluster, but tier is ${t.spec.tier}; remove cluster to use the shared cluster "${env.sharedCluster}", or choose tier dedicated`,
            },
          ];
        }
        if (t.spec.tier === 'shared' && name !== env.sharedCluster) {
          return [
            {
              ...at,
              message: `the shared tier lives on the shared cluster "${env.sharedCluster}" with the shared topics, got "${name}"; remove cluster`,
            },
          ];
        }
        return [];
      }),
  },
  {
    code: 'dedicated_cluster_taken',
    describe: 'a dedicated cluster belongs to one tenant',
    check: ({ env, tenants }) => {
      const byCluster = new Map<string, ParsedTenant[]>();
      for (const t of tenants) {
        const target = clusterOf(env, t.spec);
        if (t.spec.tier !== 'dedicated' || !target?.cluster.dedicated) continue;
        byCluster.set(target.name, [...(byCluster.get(target.name) ?? []), t]);
      }
      return [...byCluster.entries()]
        .filter(([, group]) => group.length > 1)
        .flatMap(([name, group]) =>
          group.map((t) => ({
            file: t.file,
            path: 'cluster',
            code: 'dedicated_cluster_taken',
            message: `dedicated cluster "${name}" is also claimed by ${group
              .filter((o) => o !== t)
              .map((o) => `tenant "${o.spec.id}" (${o.file})`)
              .join(
                ', ',
              )}; a dedicated cluster belongs to one tenant: add another dedicated cluster to the environment`,
          })),
        );
    },
  },
  {
    code: 'regulated_not_dedicated',
    describe: 'regulated data lives on the dedicated tier only',
    check: ({ tenants }) =>
      tenants
        .filter((t) => t.spec.classification === 'regulated' && t.spec.tier !== 'dedicated')
        .map((t) => ({
          file: t.file,
          path: 'tier',
          code: 'regulated_not_dedicated',
          message: `regulated data must be on the dedicated tier, got tier ${t.spec.tier}; set tier: dedicated with a dedicated cluster, or correct the classification`,
        })),
  },
  {
    code: 'pii_unencrypted',
    describe: 'pii on the shared tier is envelope-encrypted',
    check: ({ tenants }) =>
      tenants
        .filter((t) => t.spec.classification === 'pii' && t.spec.tier === 'shared' && !t.spec.encryption)
        .map((t) => ({
          file: t.file,
          path: 'encryption',
          code: 'pii_unencrypted',
          message:
            'pii on the shared tier must be encrypted with the tenant key, got encryption: false; set encryption: true',
        })),
  },
  {
    code: 'delete_data_while_active',
    describe: 'deleteDataOnDecommission only together with lifecycle: decommissioning',
    check: ({ tenants }) =>
      tenants
        .filter((t) => t.spec.deleteDataOnDecommission && t.spec.lifecycle === 'active')
        .map((t) => ({
          file: t.file,
          path: 'deleteDataOnDecommission',
          code: 'delete_data_while_active',
          message:
            'deletes topics when the tenant is decommissioned, but lifecycle is active; remove it, or set lifecycle: decommissioning in the same reviewed change',
        })),
  },
  {
    code: 'shared_tier_topics',
    describe: 'shared-tier tenants declare no own topics',
    check: ({ env, tenants }) =>
      tenants
        .filter((t) => t.spec.tier === 'shared' && t.spec.topics.length > 0)
        .map((t) => ({
          file: t.file,
          path: 'topics',
          code: 'shared_tier_topics',
          message: `the shared tier has no own topics, got ${t.spec.topics.length}; write to the shared topics (${or(sharedTopicNames(env), 'none')}) through applications[].produces, or choose tier topic-per-tenant`,
        })),
  },
  {
    code: 'retired_topic_declared',
    describe: 'a retired topic is not declared under topics at the same time, and is retired once',
    check: ({ tenants }) =>
      tenants.flatMap((t) => {
        const declared = new Set(t.spec.topics.map((x) => x.name));
        const seen = new Set<string>();
        return t.spec.retiredTopics.flatMap((r, i) => {
          const dup = seen.has(r.name);
          seen.add(r.name);
          if (!declared.has(r.name) && !dup) return [];
          return [
            {
              file: t.file,
              path: `retiredTopics[${i}].name`,
              code: 'retired_topic_declared',
              message: dup
                ? `topic "${r.name}" is retired twice; keep one entry`
                : `topic "${r.name}" is both declared under topics and retired; remove it from topics to retire it, or drop the retiredTopics entry to keep it`,
            },
          ];
        });
      }),
  },
  {
    code: 'duplicate_topic',
    describe: 'a topic is declared once per tenant',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        repeats(
          t,
          'duplicate_topic',
          t.spec.topics.map((topic, i) => [topic.name, `topics[${i}].name`] as const),
          (name, first) => `"${name}" is already declared at ${first}; remove or rename one`,
        ),
      ),
  },
  {
    code: 'topic_name_illegal',
    describe: `topic names use only [a-zA-Z0-9._-] and are at most ${MAX_TOPIC_NAME_LENGTH} characters with the tenant prefix`,
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        t.spec.topics.flatMap((topic, i): Problem[] => {
          const full = topicName(t.spec.id, topic.name);
          const at = { file: t.file, path: `topics[${i}].name`, code: 'topic_name_illegal' };
          const out: Problem[] = [];
          if (!LEGAL_TOPIC_NAME.test(topic.name)) {
            const bad = [...new Set(topic.name.replace(/[a-zA-Z0-9._-]/g, ''))].map((c) => JSON.stringify(c));
            out.push({
              ...at,
              message: `"${topic.name}" contains characters kafka does not allow in topic names (${bad.join(', ')}); use only letters, digits, ".", "_" and "-"`,
            });
          }
          if (full.length > MAX_TOPIC_NAME_LENGTH) {
            out.push({
              ...at,
              message: `"${full.slice(0, 40)}…" is ${full.length} characters with the tenant prefix, kafka allows at most ${MAX_TOPIC_NAME_LENGTH}; shorten the name`,
            });
          }
          return out;
        }),
      ),
  },
  {
    code: 'topic_name_collision',
    describe: 'no two topic names on one cluster differ only by "." vs "_" or by case (including shared topics)',
    check: ({ env, tenants }) => {
      interface Entry {
        readonly cluster: string;
        readonly name: string;
        readonly where: string;
        /** How to cite this entry from a problem in the same file. */
        readonly short?: string;
        readonly tenant?: ParsedTenant;
        readonly path: string;
      }
      const entries: Entry[] = env.sharedTopics.map((s, i) => ({
        cluster: env.sharedCluster,
        name: sharedTopicName(s.name),
        where: `shared topic of environment "${env.name}"`,
        path: `sharedTopics[${i}].name`,
      }));
      for (const t of tenants) {
        const target = clusterOf(env, t.spec);
        if (!target) continue;
        t.spec.topics.forEach((topic, i) =>
          entries.push({
            cluster: target.name,
            name: topicName(t.spec.id, topic.name),
            where: `${t.file} topics[${i}]`,
            short: `topics[${i}]`,
            tenant: t,
            path: `topics[${i}].name`,
          }),
        );
      }
      const groups = new Map<string, Entry[]>();
      for (const e of entries) {
        const key = `${e.cluster}\n${collisionKey(e.name)}`;
        groups.set(key, [...(groups.get(key) ?? []), e]);
      }
      return [...groups.values()].flatMap((group) =>
        group.flatMap((e): Problem[] => {
          const others = group.filter((o) => o.name !== e.name);
          if (!e.tenant || others.length === 0) return [];
          return [
            {
              file: e.tenant.file,
              path: e.path,
              code: 'topic_name_collision',
              message: `"${e.name}" collides with ${others
                .map((o) => `"${o.name}" (${o.tenant === e.tenant && o.short ? o.short : o.where})`)
                .join(
                  ', ',
                )} on cluster "${e.cluster}": kafka treats "." and "_" alike in metric names and names differing only in case are ambiguous; rename one`,
            },
          ];
        }),
      );
    },
  },
  {
    code: 'replication_factor_too_high',
    describe: "a topic's replication factor does not exceed its cluster's brokers",
    check: ({ env, tenants }) =>
      tenants.flatMap((t) => {
        const target = clusterOf(env, t.spec);
        if (!target) return [];
        const { name, cluster } = target;
        return t.spec.topics.flatMap((topic, i) =>
          topic.replicationFactor !== undefined && topic.replicationFactor > cluster.brokers
            ? [
                {
                  file: t.file,
                  path: `topics[${i}].replicationFactor`,
                  code: 'replication_factor_too_high',
                  message: `must be at most the ${cluster.brokers} broker(s) of cluster "${name}", got ${topic.replicationFactor}; lower it, or remove it to use the cluster default (${cluster.replicationFactor})`,
                },
              ]
            : [],
        );
      }),
  },
  {
    code: 'replication_factor_below_min_insync',
    describe: "a topic's replication factor is at least the tier's min.insync.replicas",
    check: ({ env, tenants }) =>
      tenants.flatMap((t) => {
        const minIsr = env.tierDefaults[t.spec.tier].minInsyncReplicas;
        return t.spec.topics.flatMap((topic, i) =>
          topic.replicationFactor !== undefined && topic.replicationFactor < minIsr
            ? [
                {
                  file: t.file,
                  path: `topics[${i}].replicationFactor`,
                  code: 'replication_factor_below_min_insync',
                  message: `must be at least the tier's min.insync.replicas (${minIsr}), got ${topic.replicationFactor}: producers using acks=all would always fail; raise it, or remove it to use the cluster default`,
                },
              ]
            : [],
        );
      }),
  },
  {
    code: 'duplicate_application',
    describe: 'an application name is declared once per tenant',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        repeats(
          t,
          'duplicate_application',
          t.spec.applications.map((a, i) => [a.name, `applications[${i}].name`] as const),
          (name, first) =>
            `"${name}" is already declared at ${first}; each application gets its own user: rename or merge them`,
        ),
      ),
  },
  {
    code: 'application_without_intent',
    describe: 'every application produces or consumes something',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        app.produces.length === 0 && app.consumes.length === 0
          ? {
              file: t.file,
              path: at,
              code: 'application_without_intent',
              message: `"${app.name}" declares neither produces nor consumes, so it would get a user with no access; declare what it produces or consumes, or remove it`,
            }
          : undefined,
      ),
  },
  {
    code: 'unknown_topic',
    describe: "produces/consumes name the tenant's own topics (shared tier: the environment's shared topics)",
    check: (ctx) =>
      perApp(ctx, (t, app, at) => {
        const shared = t.spec.tier === 'shared';
        const known = shared ? sharedTopicNames(ctx.env) : [...new Set(t.spec.topics.map((x) => x.name))].sort();
        const check = (field: 'produces' | 'consumes') =>
          app[field].flatMap((name, j) =>
            known.includes(name)
              ? []
              : [
                  {
                    file: t.file,
                    path: `${at}.${field}[${j}]`,
                    code: 'unknown_topic',
                    message: shared
                      ? `"${name}" is not a shared topic of environment "${ctx.env.name}" (shared topics: ${or(known, 'none')}); fix the name, or ask the platform team to add the shared topic`
                      : `"${name}" is not a topic of this tenant (declared: ${or(known, 'none')}); declare it under topics or fix the name (tenants cannot reach other tenants' topics)`,
                  },
                ],
          );
        // Consuming on the shared tier is its own rule; naming the topic there would only add noise.
        return shared ? check('produces') : [...check('produces'), ...check('consumes')];
      }),
  },
  {
    code: 'shared_tier_consume',
    describe: 'shared-tier tenants only write; platform consumers are the only readers of shared topics',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        t.spec.tier === 'shared' && app.consumes.length > 0
          ? {
              file: t.file,
              path: `${at}.consumes`,
              code: 'shared_tier_consume',
              message: `shared-tier tenants may only write shared topics, got consumes: [${app.consumes.join(', ')}]; only platform consumers (${or(
                ctx.env.platformConsumers.map((p) => p.name).sort(),
                'none',
              )}) read them: remove consumes, or choose tier topic-per-tenant to read your own topics`,
            }
          : undefined,
      ),
  },
  {
    code: 'consumer_without_group',
    describe: 'an application that consumes declares at least one consumer group',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        t.spec.tier !== 'shared' && app.consumes.length > 0 && app.groups.length === 0
          ? {
              file: t.file,
              path: `${at}.groups`,
              code: 'consumer_without_group',
              message: `is empty, but "${app.name}" consumes ${app.consumes.join(', ')}; consuming needs a consumer group: add e.g. groups: [${app.name}] (becomes ${groupId(t.spec.id, app.name)})`,
            }
          : undefined,
      ),
  },
  {
    code: 'group_without_consume',
    describe: 'groups are declared only by applications that consume',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        app.groups.length > 0 && (app.consumes.length === 0 || t.spec.tier === 'shared')
          ? {
              file: t.file,
              path: `${at}.groups`,
              code: 'group_without_consume',
              message:
                t.spec.tier === 'shared'
                  ? `shared-tier tenants do not consume, so groups [${app.groups.join(', ')}] would never be used; remove groups`
                  : `"${app.name}" declares groups [${app.groups.join(', ')}] but consumes nothing; add consumes, or remove groups`,
            }
          : undefined,
      ),
  },
  {
    code: 'transactional_id_without_produce',
    describe: 'transactional ids are declared only by applications that produce',
    check: (ctx) =>
      perApp(ctx, (t, app, at) =>
        app.transactionalIds.length > 0 && app.produces.length === 0
          ? {
              file: t.file,
              path: `${at}.transactionalIds`,
              code: 'transactional_id_without_produce',
              message: `"${app.name}" declares transactionalIds [${app.transactionalIds.join(', ')}] but produces nothing; add produces, or remove transactionalIds`,
            }
          : undefined,
      ),
  },
  {
    code: 'duplicate_group',
    describe: 'a consumer group is declared once per tenant (two applications in one group split its partitions)',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        repeats(
          t,
          'duplicate_group',
          t.spec.applications.flatMap((a, i) =>
            a.groups.map((g, j) => [g, `applications[${i}].groups[${j}]`] as const),
          ),
          (g, first, at) =>
            sameApp(first, at)
              ? `"${g}" is already listed at ${first}; list each group once`
              : `"${g}" (${groupId(t.spec.id, g)}) is already declared at ${first}; applications sharing a group split its partitions between them: give each application its own group`,
        ),
      ),
  },
  {
    code: 'duplicate_transactional_id',
    describe: 'a transactional id is declared once per tenant (two producers with one id fence each other)',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        repeats(
          t,
          'duplicate_transactional_id',
          t.spec.applications.flatMap((a, i) =>
            a.transactionalIds.map((x, j) => [x, `applications[${i}].transactionalIds[${j}]`] as const),
          ),
          (x, first, at) =>
            sameApp(first, at)
              ? `"${x}" is already listed at ${first}; list each transactional id once`
              : `"${x}" (${transactionalId(t.spec.id, x)}) is already declared at ${first}; producers sharing a transactional id fence each other off: use one id per producer`,
        ),
      ),
  },
  {
    code: 'quota_out_of_bounds',
    describe: "application quotas stay within the tier's bounds (tierDefaults.<tier>.quotaBounds)",
    check: (ctx) =>
      perApp(ctx, (t, app, at) => {
        const bounds = ctx.env.tierDefaults[t.spec.tier].quotaBounds;
        const limits = [
          ['producerByteRate', bounds.maxProducerByteRate],
          ['consumerByteRate', bounds.maxConsumerByteRate],
          ['requestPercentage', bounds.maxRequestPercentage],
        ] as const;
        return limits.flatMap(([field, max]) => {
          const value = app.quota?.[field];
          return value !== undefined && value > max
            ? [
                {
                  file: t.file,
                  path: `${at}.quota.${field}`,
                  code: 'quota_out_of_bounds',
                  message: `must be at most ${max} on the ${t.spec.tier} tier, got ${value}; lower it, or move the tenant to a tier with higher bounds`,
                },
              ]
            : [];
        });
      }),
  },
  {
    code: 'dedicated_partitions_tier',
    describe: 'only shared-tier tenants reserve partitions of shared topics',
    check: ({ tenants }) =>
      tenants
        .filter((t) => t.spec.tier !== 'shared' && t.spec.dedicatedPartitions.length > 0)
        .map((t) => ({
          file: t.file,
          path: 'dedicatedPartitions',
          code: 'dedicated_partitions_tier',
          message: `only the shared tier reserves partitions of shared topics, got tier ${t.spec.tier}; remove dedicatedPartitions (the tenant's own topics are already its alone)`,
        })),
  },
  {
    code: 'dedicated_partitions_unknown_topic',
    describe: 'dedicated partitions name a shared topic of the environment',
    check: ({ env, tenants }) =>
      tenants.flatMap((t) =>
        t.spec.dedicatedPartitions.flatMap((d, i) =>
          env.sharedTopics.some((s) => s.name === d.topic)
            ? []
            : [
                {
                  file: t.file,
                  path: `dedicatedPartitions[${i}].topic`,
                  code: 'dedicated_partitions_unknown_topic',
                  message: `"${d.topic}" is not a shared topic of environment "${env.name}" (shared topics: ${or(sharedTopicNames(env), 'none')}); fix the name`,
                },
              ],
        ),
      ),
  },
  {
    code: 'dedicated_partition_out_of_range',
    describe: 'dedicated partitions exist in the shared topic (0 to partitions - 1)',
    check: ({ env, tenants }) =>
      tenants.flatMap((t) =>
        t.spec.dedicatedPartitions.flatMap((d, i) => {
          const topic = env.sharedTopics.find((s) => s.name === d.topic);
          if (!topic) return [];
          return d.partitions.flatMap((p, j) =>
            p < topic.partitions
              ? []
              : [
                  {
                    file: t.file,
                    path: `dedicatedPartitions[${i}].partitions[${j}]`,
                    code: 'dedicated_partition_out_of_range',
                    message: `partition ${p} does not exist: shared topic "${d.topic}" has ${topic.partitions} partitions (0 to ${topic.partitions - 1}); use one of those`,
                  },
                ],
          );
        }),
      ),
  },
  {
    code: 'dedicated_partitions_duplicate',
    describe: 'a shared topic is listed once per tenant, each partition once',
    check: ({ tenants }) =>
      tenants.flatMap((t) => [
        ...repeats(
          t,
          'dedicated_partitions_duplicate',
          t.spec.dedicatedPartitions.map((d, i) => [d.topic, `dedicatedPartitions[${i}].topic`] as const),
          (topic, first) => `"${topic}" is already listed at ${first}; list its partitions in one entry`,
        ),
        ...t.spec.dedicatedPartitions.flatMap((d, i) =>
          repeats(
            t,
            'dedicated_partitions_duplicate',
            d.partitions.map((p, j) => [String(p), `dedicatedPartitions[${i}].partitions[${j}]`] as const),
            (p, first) => `partition ${p} is already listed at ${first}; list each partition once`,
          ),
        ),
      ]),
  },
  {
    code: 'dedicated_partitions_overlap',
    describe: 'a partition of a shared topic is reserved by at most one tenant',
    check: ({ tenants }) => {
      const owners = new Map<string, ParsedTenant[]>();
      for (const t of tenants) {
        for (const d of t.spec.dedicatedPartitions) {
          for (const p of new Set(d.partitions)) {
            const key = `${d.topic}\n${p}`;
            owners.set(key, [...(owners.get(key) ?? []), t]);
          }
        }
      }
      return tenants.flatMap((t) =>
        t.spec.dedicatedPartitions.flatMap((d, i) =>
          d.partitions.flatMap((p, j) => {
            const others = (owners.get(`${d.topic}\n${p}`) ?? []).filter((o) => o !== t);
            return others.length === 0
              ? []
              : [
                  {
                    file: t.file,
                    path: `dedicatedPartitions[${i}].partitions[${j}]`,
                    code: 'dedicated_partitions_overlap',
                    message: `partition ${p} of "${d.topic}" is also reserved by ${others.map((o) => `tenant "${o.spec.id}" (${o.file})`).join(', ')}; a partition belongs to at most one tenant: pick another`,
                  },
                ];
          }),
        ),
      );
    },
  },
  {
    code: 'dedicated_partitions_exhausted',
    describe: 'reservations leave at least one partition of each shared topic to everyone else',
    check: ({ env, tenants }) =>
      env.sharedTopics.flatMap((topic) => {
        const reserving = tenants.filter((t) => t.spec.dedicatedPartitions.some((d) => d.topic === topic.name));
        const reserved = new Set(
          reserving.flatMap((t) =>
            t.spec.dedicatedPartitions.filter((d) => d.topic === topic.name).flatMap((d) => d.partitions),
          ),
        );
        const free = Array.from({ length: topic.partitions }, (_, p) => p).filter((p) => !reserved.has(p));
        if (reserving.length === 0 || free.length > 0) return [];
        return reserving.map((t) => ({
          file: t.file,
          path: `dedicatedPartitions[${t.spec.dedicatedPartitions.findIndex((d) => d.topic === topic.name)}]`,
          code: 'dedicated_partitions_exhausted',
          message: `every one of the ${topic.partitions} partitions of "${topic.name}" is reserved (by ${reserving.map((r) => `"${r.spec.id}"`).join(', ')}), so no other tenant could produce to it; reserve fewer partitions or add partitions to the shared topic in environments/${env.name}.yaml`,
        }));
      }),
  },
  {
    code: 'dedicated_partitions_not_produced',
    describe: 'a tenant reserves partitions only of shared topics it produces',
    check: ({ env, tenants }) =>
      tenants.flatMap((t) =>
        t.spec.tier !== 'shared'
          ? []
          : t.spec.dedicatedPartitions.flatMap((d, i) =>
              !env.sharedTopics.some((s) => s.name === d.topic) ||
              t.spec.applications.some((a) => a.produces.includes(d.topic))
                ? []
                : [
                    {
                      file: t.file,
                      path: `dedicatedPartitions[${i}].topic`,
                      code: 'dedicated_partitions_not_produced',
                      message: `no application of this tenant produces "${d.topic}", so its reserved partitions would stay empty; add it to an application's produces, or remove the reservation`,
                    },
                  ],
            ),
      ),
  },
];

/** Run every rule; problems sorted by file, path, message. */
export function validateTenants(env: Environment, tenants: readonly ParsedTenant[]): Problem[] {
  const ctx: RuleContext = { env, tenants };
  return sortProblems(RULES.flatMap((rule) => rule.check(ctx)));
}
