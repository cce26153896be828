/**
 * A tenant's own topics: names legal and unique on their cluster, replication within the cluster's means,
 * retirements coherent.
 */
import type { Problem } from '../../errors';
import { LEGAL_TOPIC_NAME, MAX_TOPIC_NAME_LENGTH, collisionKey, sharedTopicName, topicName } from '../../naming';
import type { ParsedTenant } from '../load';
import { clusterOf, or, repeats, sharedTopicNames, type Rule } from './context';

export const TOPIC_RULES: readonly Rule[] = [
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
];
