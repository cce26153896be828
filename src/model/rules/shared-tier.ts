/**
 * Shared tier: partitions of shared topics reserved by tenants (dedicatedPartitions, advisory: Kafka cannot keep
 * a producer off a partition) and premium topics (premiumTopics, enforced: a tenant's private copy of a shared
 * topic under its own prefix).
 */
import { premiumTopicName } from '../../naming';
import type { ParsedTenant } from '../load';
import { or, repeats, sharedTopicNames, type Rule } from './context';

export const SHARED_TIER_RULES: readonly Rule[] = [
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
  {
    code: 'premium_topics_tier',
    describe: 'only shared-tier tenants declare premium topics',
    check: ({ tenants }) =>
      tenants
        .filter((t) => t.spec.tier !== 'shared' && t.spec.premiumTopics.length > 0)
        .map((t) => ({
          file: t.file,
          path: 'premiumTopics',
          code: 'premium_topics_tier',
          message: `only the shared tier has premium topics, got tier ${t.spec.tier}; remove premiumTopics (declare the topic under topics: the tenant's own topics are already its alone)`,
        })),
  },
  {
    code: 'premium_topic_unknown',
    describe: 'a premium topic names a shared topic of the environment',
    check: ({ env, tenants }) =>
      tenants.flatMap((t) =>
        t.spec.tier !== 'shared'
          ? []
          : t.spec.premiumTopics.flatMap((name, i) =>
              env.sharedTopics.some((s) => s.name === name)
                ? []
                : [
                    {
                      file: t.file,
                      path: `premiumTopics[${i}]`,
                      code: 'premium_topic_unknown',
                      message: `"${name}" is not a shared topic of environment "${env.name}" (shared topics: ${or(sharedTopicNames(env), 'none')}); a premium topic is a private copy of one of them: fix the name`,
                    },
                  ],
            ),
      ),
  },
  {
    code: 'premium_topic_duplicate',
    describe: 'a premium topic is listed once per tenant',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        repeats(
          t,
          'premium_topic_duplicate',
          t.spec.premiumTopics.map((name, i) => [name, `premiumTopics[${i}]`] as const),
          (name, first) => `"${name}" is already listed at ${first}; list each premium topic once`,
        ),
      ),
  },
  {
    code: 'premium_topic_not_produced',
    describe: 'a tenant has premium topics only of shared topics it produces',
    check: ({ env, tenants }) =>
      tenants.flatMap((t) =>
        t.spec.tier !== 'shared'
          ? []
          : t.spec.premiumTopics.flatMap((name, i) =>
              !env.sharedTopics.some((s) => s.name === name) ||
              t.spec.applications.some((a) => a.produces.includes(name))
                ? []
                : [
                    {
                      file: t.file,
                      path: `premiumTopics[${i}]`,
                      code: 'premium_topic_not_produced',
                      message: `no application of this tenant produces "${name}", so nobody could write ${premiumTopicName(t.spec.id, name)}; add "${name}" to an application's produces, or remove the entry`,
                    },
                  ],
            ),
      ),
  },
  {
    code: 'premium_topic_reserved',
    describe: 'a shared topic has either reserved partitions or a premium copy for a tenant, not both',
    check: ({ tenants }) =>
      tenants.flatMap((t) =>
        t.spec.tier !== 'shared'
          ? []
          : t.spec.premiumTopics.flatMap((name, i) => {
              const j = t.spec.dedicatedPartitions.findIndex((d) => d.topic === name);
              return j < 0
                ? []
                : [
                    {
                      file: t.file,
                      path: `premiumTopics[${i}]`,
                      code: 'premium_topic_reserved',
                      message: `"${name}" also has reserved partitions at dedicatedPartitions[${j}]; with a premium topic the tenant's records go to ${premiumTopicName(t.spec.id, name)}, so the reservation would only keep partitions empty: remove the dedicatedPartitions entry`,
                    },
                  ];
            }),
      ),
  },
];
