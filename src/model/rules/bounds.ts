/**
 * Tier bounds on size (`tierDefaults.<tier>.topicBounds` in the environment): partitions per topic and per tenant,
 * topics per tenant, retention and record size. Every topic a tenant owns counts — its own topics, and on the
 * shared tier its premium topics (which copy their shared topic's partitions). Decommissioning tenants are exempt:
 * their topics are on the way out, and a bound lowered since must not block taking them down.
 */
import type { Problem } from '../../errors';
import { premiumTopicName, sharedTopicName, topicName } from '../../naming';
import type { Environment, TopicBounds } from '../environment';
import type { ParsedTenant } from '../load';
import type { Rule } from './context';

/** `7776000000` → `7776000000 ms (90 d)`: the number as written, with a unit a reviewer reads at a glance. */
export function showMs(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  const unit = units.find(([size]) => ms > 0 && ms % size === 0);
  return unit ? `${ms} ms (${ms / unit[0]} ${unit[1]})` : `${ms} ms`;
}

/** `2097152` → `2097152 bytes (2 MiB)`. */
export function showBytes(n: number): string {
  const units: Array<[number, string]> = [
    [1024 * 1024, 'MiB'],
    [1024, 'KiB'],
  ];
  const unit = units.find(([size]) => n > 0 && n % size === 0);
  return unit ? `${n} bytes (${n / unit[0]} ${unit[1]})` : `${n} bytes`;
}

/** One topic a tenant owns, as the bounds see it: resolved partitions and where to point. */
interface OwnedTopic {
  readonly name: string;
  readonly partitions: number;
  /** `topics[i]` or `premiumTopics[i]`. */
  readonly path: string;
  /** The shared topic a premium topic copies; undefined for own topics. */
  readonly premiumOf?: string;
}

/** Own topics with their resolved partition counts, then premium topics (shared tier) with their shared topic's. */
function ownedTopics(env: Environment, t: ParsedTenant): OwnedTopic[] {
  const defaults = env.tierDefaults[t.spec.tier];
  const own = t.spec.topics.map((topic, i) => ({
    name: topicName(t.spec.id, topic.name),
    partitions: topic.partitions ?? defaults.partitions,
    path: `topics[${i}]`,
  }));
  if (t.spec.tier !== 'shared') return own;
  const premium = [...new Set(t.spec.premiumTopics)].flatMap((logical) => {
    const shared = env.sharedTopics.find((s) => s.name === logical);
    return shared
      ? [
          {
            name: premiumTopicName(t.spec.id, logical),
            partitions: shared.partitions,
            path: `premiumTopics[${t.spec.premiumTopics.indexOf(logical)}]`,
            premiumOf: sharedTopicName(logical),
          },
        ]
      : [];
  });
  return [...own, ...premium];
}

/** Active tenants with their tier's bounds. */
function bounded(env: Environment, tenants: readonly ParsedTenant[]) {
  return tenants
    .filter((t) => t.spec.lifecycle === 'active')
    .map((t) => ({ t, tier: t.spec.tier, bounds: env.tierDefaults[t.spec.tier].topicBounds }));
}

const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);

const setting = (tier: string, key: keyof TopicBounds) => `tierDefaults.${tier}.topicBounds.${key}`;

/** Where a tenant's topic list is: `topics`, or `premiumTopics` on the shared tier. */
const listPath = (t: ParsedTenant) => (t.spec.tier === 'shared' ? 'premiumTopics' : 'topics');

export const TIER_BOUND_RULES: readonly Rule[] = [
  {
    code: 'partitions_above_tier_bound',
    describe: "a topic's partitions are at most its tier's topicBounds.maxPartitionsPerTopic",
    check: ({ env, tenants }) =>
      bounded(env, tenants).flatMap(({ t, tier, bounds }) =>
        ownedTopics(env, t).flatMap((topic): Problem[] => {
          if (topic.partitions <= bounds.maxPartitionsPerTopic) return [];
          const max = bounds.maxPartitionsPerTopic;
          return [
            topic.premiumOf
              ? {
                  file: t.file,
                  path: topic.path,
                  code: 'partitions_above_tier_bound',
                  message: `premium topic "${topic.name}" copies the ${topic.partitions} partitions of ${topic.premiumOf}, the ${tier} tier allows at most ${max} per topic (${setting(tier, 'maxPartitionsPerTopic')}); remove the entry, or ask the platform team to raise the bound`,
                }
              : {
                  file: t.file,
                  path: `${topic.path}.partitions`,
                  code: 'partitions_above_tier_bound',
                  message: `must be at most ${max} on the ${tier} tier (${setting(tier, 'maxPartitionsPerTopic')}), got ${topic.partitions}; lower it, or move the tenant to a tier with higher bounds`,
                },
          ];
        }),
      ),
  },
  {
    code: 'topics_above_tier_bound',
    describe: "a tenant owns at most its tier's topicBounds.maxTopicsPerTenant topics (shared tier: premium topics)",
    check: ({ env, tenants }) =>
      bounded(env, tenants).flatMap(({ t, tier, bounds }) => {
        const n = ownedTopics(env, t).length;
        const max = bounds.maxTopicsPerTenant;
        if (n <= max) return [];
        const what = plural(n, tier === 'shared' ? 'premium topic' : 'topic');
        return [
          {
            file: t.file,
            path: listPath(t),
            code: 'topics_above_tier_bound',
            message: `declares ${n} ${what}, the ${tier} tier allows at most ${max} per tenant (${setting(tier, 'maxTopicsPerTenant')}); remove ${n - max}, split the tenant, or move it to a tier with higher bounds`,
          },
        ];
      }),
  },
  {
    code: 'tenant_partitions_above_tier_bound',
    describe: "a tenant's topics have at most its tier's topicBounds.maxPartitionsPerTenant partitions in total",
    check: ({ env, tenants }) =>
      bounded(env, tenants).flatMap(({ t, tier, bounds }) => {
        const owned = ownedTopics(env, t);
        const total = owned.reduce((sum, x) => sum + x.partitions, 0);
        const max = bounds.maxPartitionsPerTenant;
        if (total <= max) return [];
        const largest = [...owned]
          .sort((a, b) => b.partitions - a.partitions || (a.name < b.name ? -1 : 1))
          .slice(0, 3)
          .map((x) => `${x.name} ${x.partitions}`)
          .join(', ');
        return [
          {
            file: t.file,
            path: listPath(t),
            code: 'tenant_partitions_above_tier_bound',
            message: `has ${total} partitions in total across ${owned.length} ${plural(owned.length, tier === 'shared' ? 'premium topic' : 'topic')} (largest: ${largest}), the ${tier} tier allows at most ${max} per tenant (${setting(tier, 'maxPartitionsPerTenant')}); ${tier === 'shared' ? "remove premium topics (each copies its shared topic's partitions)" : `lower partition counts by ${total - max}`}, or move the tenant to a tier with higher bounds`,
          },
        ];
      }),
  },
  {
    code: 'retention_out_of_tier_bounds',
    describe:
      "a topic's retentionMs is within its tier's topicBounds (minRetentionMs to maxRetentionMs; -1 only where allowInfiniteRetention)",
    check: ({ env, tenants }) =>
      bounded(env, tenants).flatMap(({ t, tier, bounds }) =>
        t.spec.topics.flatMap((topic, i): Problem[] => {
          const r = topic.retentionMs;
          if (r === undefined || (r === -1 && bounds.allowInfiniteRetention)) return [];
          if (r !== -1 && r >= bounds.minRetentionMs && r <= bounds.maxRetentionMs) return []; // (most topics)
          const at = { file: t.file, path: `topics[${i}].retentionMs`, code: 'retention_out_of_tier_bounds' };
          if (r === -1) {
            const range = `${showMs(bounds.minRetentionMs)} to ${showMs(bounds.maxRetentionMs)}`;
            return [
              {
                ...at,
                message: `-1 (keep forever) is not allowed on the ${tier} tier (${setting(tier, 'allowInfiniteRetention')} is false); set a retention from ${range}, or move the tenant to a tier that allows it`,
              },
            ];
          }
          if (r < bounds.minRetentionMs) {
            return [
              {
                ...at,
                message: `must be at least ${showMs(bounds.minRetentionMs)} on the ${tier} tier (${setting(tier, 'minRetentionMs')}), got ${showMs(r)}; raise it, or remove it to use the tier default`,
              },
            ];
          }
          if (r > bounds.maxRetentionMs) {
            const forever = bounds.allowInfiniteRetention ? ', or use -1 if the data must be kept forever' : '';
            return [
              {
                ...at,
                message: `must be at most ${showMs(bounds.maxRetentionMs)} on the ${tier} tier (${setting(tier, 'maxRetentionMs')}), got ${showMs(r)}; lower it${forever}, or move the tenant to a tier with higher bounds`,
              },
            ];
          }
          return [];
        }),
      ),
  },
  {
    code: 'message_bytes_above_tier_bound',
    describe: "a topic's max.message.bytes is at most its tier's topicBounds.maxMessageBytes",
    check: ({ env, tenants }) =>
      bounded(env, tenants).flatMap(({ t, tier, bounds }) =>
        t.spec.topics.flatMap((topic, i): Problem[] => {
          const declared = topic.config['max.message.bytes'];
          if (declared === undefined) return [];
          const n = Number(declared);
          if (n <= bounds.maxMessageBytes) return [];
          return [
            {
              file: t.file,
              path: `topics[${i}].config.max.message.bytes`,
              code: 'message_bytes_above_tier_bound',
              message: `must be at most ${showBytes(bounds.maxMessageBytes)} on the ${tier} tier (${setting(tier, 'maxMessageBytes')}), got ${showBytes(n)}; lower it (large payloads belong in object storage, with a reference in the record), or move the tenant to a tier with higher bounds`,
            },
          ];
        }),
      ),
  },
];
