/**
 * The shape of one tenant file (`tenants/<id>.yaml`). Decoding is strict: an unknown key (`partitons:`) is an
 * error, never a silently dropped setting. Every field carries a description, so the generated JSON Schema
 * (`kafka-tenancy schema`) gives editors completion and hover help.
 *
 * This file checks one file in isolation. Rules that need the environment or other tenants (clusters, shared
 * topics, quota bounds, collisions) live in the rule table in `validate.ts`.
 */
import { sortedKeys } from '../json';
import { z } from 'zod';
import type { Problem } from '../errors';
import { TIERS } from './environment';
import { APP_NAME_PATTERN, TENANT_ID_PATTERN } from '../naming';
import { formatPath } from './zod-problems';

export const CLASSIFICATIONS = ['public', 'internal', 'pii', 'regulated'] as const;
export const LIFECYCLE_STATES = ['active', 'decommissioning'] as const;
export const CLEANUP_POLICIES = ['delete', 'compact', 'compact,delete'] as const;
export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
export const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;
/**
 * Phases of a tier migration, in order (`aborted` leaves the order: back to the source, before `done`). Each is
 * a reviewed file change; what each synthesizes is described in docs/migration.md.
 */
export const MIGRATION_STATES = ['copying', 'cutover', 'done', 'aborted'] as const;

/** Group ids and transactional ids as declared (the tenant prefix is added by naming.ts). */
const LOCAL_ID_PATTERN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const LOCAL_ID_ALLOWED = 'lowercase letters, digits, "." and "-", starting and ending with a letter or digit';

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Schema-level messages only for the check they describe; anything else (e.g. missing) yields to tenantErrorMap. */
const pattern = (re: RegExp, allowed: string) =>
  z.string().regex(re, {
    error: (iss) => (iss.code === 'invalid_format' ? `must be ${allowed}, got ${show(iss.input)}` : undefined),
  });

/**
 * Integer-valued topic configs may be written as a YAML number (`1048576`) or a quoted string (`"1048576"`);
 * Kafka takes strings, build.ts converts.
 */
function configInteger(min: number, description: string) {
  const digits = min < 0 ? /^(-1|\d+)$/ : min === 0 ? /^\d+$/ : /^[1-9]\d*$/;
  return z
    .union(
      [
        z.number().int().min(min),
        z.string().regex(digits, { error: (iss) => `must be an integer of at least ${min}, got ${show(iss.input)}` }),
      ],
      { error: (iss) => `must be an integer of at least ${min}, got ${describeInput(iss.input)}` },
    )
    .meta({ description });
}

/**
 * Topic configs a tenant may set. Anything else is the platform's business (`min.insync.replicas`, placement,
 * `unclean.leader.election.enable`) or has a first-class field (`retentionMs`, `cleanupPolicy`).
 */
export const TopicConfigSchema = z
  .strictObject({
    'max.message.bytes': configInteger(1, 'largest record batch the topic accepts, in bytes').optional(),
    'compression.type': z
      .enum(COMPRESSION_TYPES)
      .meta({ description: 'compression the broker stores; `producer` keeps what the producer sent' })
      .optional(),
    'retention.bytes': configInteger(
      -1,
      'per-partition size limit before old segments are deleted; -1 = none',
    ).optional(),
    'segment.ms': configInteger(1, 'roll a new segment after this long, in ms').optional(),
    'min.compaction.lag.ms': configInteger(
      0,
      'compacted topics: keep records uncompacted at least this long',
    ).optional(),
    'delete.retention.ms': configInteger(
      0,
      'compacted topics: keep tombstones this long so consumers see deletes',
    ).optional(),
    'message.timestamp.type': z
      .enum(TIMESTAMP_TYPES)
      .meta({ description: 'CreateTime = producer clock, LogAppendTime = broker clock' })
      .optional(),
  })
  .meta({ description: 'allow-listed Kafka topic configs; anything else is an error' });

/** Keys a tenant may set under `topics[].config`, in the order the README lists them. */
export const TOPIC_CONFIG_ALLOW_LIST: readonly string[] = Object.keys(TopicConfigSchema.shape);

/**
 * Configs people reach for that are deliberately not in the allow-list, with what to do instead. Used to turn
 * "unknown key" into a message that says how to fix it.
 */
export const TOPIC_CONFIG_HINTS: Readonly<Record<string, string>> = {
  'retention.ms': 'use the topic field retentionMs instead',
  'cleanup.policy': 'use the topic field cleanupPolicy instead',
  'min.insync.replicas': 'the platform sets it per tier (tierDefaults.<tier>.minInsyncReplicas in the environment)',
  'unclean.leader.election.enable': 'the platform never allows unclean leader election for tenants',
};

export const TopicSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .meta({ description: 'logical name; the Kafka topic is `<tenant id>.<name>` (e.g. `acme.orders`)' }),
  description: z.string().optional().meta({ description: 'what flows through this topic, for reviewers' }),
  partitions: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'partition count; defaults to the tier default (tierDefaults.<tier>.partitions)' }),
  replicationFactor: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: "defaults to the target cluster's replicationFactor; cannot exceed its broker count" }),
  retentionMs: z
    .number()
    .int()
    .min(-1)
    .optional()
    .meta({ description: 'retention.ms; -1 keeps data forever; defaults to tierDefaults.<tier>.retentionMs' }),
  cleanupPolicy: z
    .enum(CLEANUP_POLICIES)
    .default('delete')
    .meta({ description: 'cleanup.policy: delete (by time/size), compact (last value per key) or both' }),
  config: TopicConfigSchema.default({}),
  allowDataLoss: z.boolean().default(false).meta({
    description:
      'explicit approval for recreating this declared topic (partition decrease, replication change → replace); removing a topic needs a retiredTopics entry instead',
  }),
});

export const RetiredTopicSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .meta({ description: 'logical name of a topic no longer declared under topics (e.g. `invoices`)' }),
  deleteData: z.boolean().meta({
    description:
      'true: the next deploy deletes the topic and its records (irreversible); false: Terraform forgets the topic and the data stays on the cluster (reachable through the tenant prefix grants while it is active)',
  }),
  reason: z.string().optional().meta({ description: 'why the topic was retired, for reviewers' }),
});

export const QuotaOverrideSchema = z
  .strictObject({
    producerByteRate: z
      .number()
      .int()
      .min(1024)
      .optional()
      .meta({ description: 'bytes/s per broker this app may produce' }),
    consumerByteRate: z
      .number()
      .int()
      .min(1024)
      .optional()
      .meta({ description: 'bytes/s per broker this app may fetch' }),
    requestPercentage: z
      .number()
      .min(1)
      .optional()
      .meta({ description: 'share of one broker request-handler/network thread, in percent' }),
  })
  .meta({
    description: 'overrides of the tier default quota, within the tier bounds (tierDefaults.<tier>.quotaBounds)',
  });

const logicalRef = z.string().min(1);

export const ApplicationSchema = z.strictObject({
  name: pattern(
    APP_NAME_PATTERN,
    'lowercase letters, digits and "-", 1-48 characters, starting with a letter and not ending with "-"',
  ).meta({
    description: 'application name; its SCRAM user is `<tenant id>.<name>` (e.g. `acme.billing`)',
  }),
  description: z.string().optional().meta({ description: 'what the application does, for reviewers' }),
  produces: z
    .array(logicalRef)
    .default([])
    .meta({ description: 'logical names of topics it writes (own topics; on the shared tier: shared topic names)' }),
  consumes: z
    .array(logicalRef)
    .default([])
    .meta({ description: 'logical names of own topics it reads; not allowed on the shared tier' }),
  groups: z
    .array(pattern(LOCAL_ID_PATTERN, LOCAL_ID_ALLOWED))
    .default([])
    .meta({ description: 'consumer groups it uses; `billing` becomes `<tenant id>.billing`; required to consume' }),
  transactionalIds: z
    .array(pattern(LOCAL_ID_PATTERN, LOCAL_ID_ALLOWED))
    .default([])
    .meta({ description: 'transactional ids it uses; `billing-tx` becomes `<tenant id>.billing-tx`' }),
  quota: QuotaOverrideSchema.optional(),
});

export const DedicatedPartitionsSchema = z.strictObject({
  topic: z.string().min(1).meta({ description: 'shared topic (logical name, e.g. `orders.placed`)' }),
  partitions: z
    .array(z.number().int().min(0))
    .min(1)
    .meta({ description: "partition numbers reserved for this tenant's records (0-based)" }),
});

export const MigrationSchema = z
  .strictObject({
    from: z
      .strictObject({
        tier: z.enum(TIERS).meta({ description: 'the tier the tenant is moving away from' }),
        cluster: z.string().min(1).optional().meta({
          description:
            "the cluster it is moving away from; defaults to the environment's sharedCluster; required when moving off a dedicated cluster",
        }),
      })
      .meta({ description: 'where the tenant lives now (the source placement)' }),
    state: z.enum(MIGRATION_STATES).meta({
      description:
        'copying: both placements exist, records are replicated, the tenant still works on the source; cutover: writes to the source are refused, replication drains, `kafka-tenancy migrate <id> cutover` proves the copy; done: the tenant works on the target, its grants on the source are gone; aborted: back to the source, the copies on the target are deleted',
    }),
    keepSourceData: z.boolean().meta({
      description:
        'at done, true: the source topics are forgotten by Terraform and their records stay on the source cluster; false: they are deleted (irreversible). Shared topics are never deleted: the tenant records there age out with retention',
    }),
    reason: z.string().optional().meta({ description: 'why the tenant moves, for reviewers' }),
  })
  .meta({
    description:
      'a move between tiers/clusters with its data (topic-per-tenant → dedicated, dedicated → another dedicated cluster, shared → topic-per-tenant); tier and cluster above are the target. Keep the block after done: it records where the old credentials were revoked',
  });

export const TenantSchema = z
  .strictObject({
    id: pattern(
      TENANT_ID_PATTERN,
      'lowercase letters, digits and "-", 3-32 characters, starting with a letter and ending with a letter or digit',
    ).meta({ description: 'tenant id; equals the file name; prefixes every name the tenant owns (`acme.`)' }),
    description: z.string().optional().meta({ description: 'who the tenant is, for reviewers' }),
    owner: z.string().min(1).meta({ description: 'owning team (e.g. `team-acme`)' }),
    contact: z
      .email({
        error: (iss) =>
          iss.code === 'invalid_format' ? `must be an email address, got ${show(iss.input)}` : undefined,
      })
      .meta({ description: 'where to reach the owner (on-call email or alias)' }),
    tier: z.enum(TIERS).meta({
      description:
        'isolation tier: dedicated (own cluster), topic-per-tenant (own topics on the shared cluster), shared (writes to shared topics)',
    }),
    classification: z.enum(CLASSIFICATIONS).meta({
      description:
        'data classification: public | internal | pii (needs encryption on shared) | regulated (needs dedicated)',
    }),
    cluster: z.string().min(1).optional().meta({
      description: "target cluster; defaults to the environment's sharedCluster; required for the dedicated tier",
    }),
    encryption: z.boolean().default(false).meta({
      description: 'envelope-encrypt record values with a per-tenant key (runtime SDK); required for pii on shared',
    }),
    lifecycle: z.enum(LIFECYCLE_STATES).default('active').meta({
      description: 'decommissioning removes quotas, ACLs and users; topics stay unless deleteDataOnDecommission',
    }),
    deleteDataOnDecommission: z
      .boolean()
      .default(false)
      .meta({ description: 'with lifecycle: decommissioning, also delete the topics (data loss, irreversible)' }),
    topics: z
      .array(TopicSchema)
      .default([])
      .meta({ description: 'own topics (dedicated and topic-per-tenant tiers only)' }),
    retiredTopics: z.array(RetiredTopicSchema).default([]).meta({
      description:
        'topics removed from topics: and what happens to their data; removing a topic without an entry here fails every plan',
    }),
    applications: z
      .array(ApplicationSchema)
      .default([])
      .meta({ description: 'applications; each gets its own SCRAM user, ACLs derived from its intent, and a quota' }),
    dedicatedPartitions: z.array(DedicatedPartitionsSchema).default([]).meta({
      description:
        'shared tier only: partitions of shared topics reserved for this tenant; advisory (Kafka cannot restrict a producer to partitions), see premiumTopics for an enforced alternative',
    }),
    premiumTopics: z.array(z.string().min(1)).default([]).meta({
      description:
        'shared tier only: shared topics (logical names, e.g. `orders.placed`) this tenant gets a private copy of, `<tenant id>.premium.<name>`, on the shared cluster: only its producers write it, only the platform consumers of the shared topic read it',
    }),
    migration: MigrationSchema.optional(),
  })
  .meta({ title: 'kafka-tenancy tenant', description: 'one tenant of the Kafka platform; file name = id' });

/** A tenant file after decoding (defaults applied). */
export type TenantSpec = z.infer<typeof TenantSchema>;
/** A tenant file as written (defaults optional). */
export type TenantInput = z.input<typeof TenantSchema>;
export type TopicSpec = TenantSpec['topics'][number];
export type ApplicationSpec = TenantSpec['applications'][number];
export type TopicConfigSpec = z.infer<typeof TopicConfigSchema>;
export type MigrationSpec = z.infer<typeof MigrationSchema>;

/**
 * JSON Schema of a tenant file (input side: fields with defaults are optional), for editors. Draft 7, the newest
 * dialect the YAML language server (VS Code, and the editors that embed it) supports; the schema uses no later
 * keyword. Keys are sorted at every level, so the committed `tenants/tenant.schema.json` changes only when the
 * schema does, never when zod reorders what it emits.
 */
export function tenantJsonSchema(): Record<string, unknown> {
  return sortedKeys(z.toJSONSchema(TenantSchema, { io: 'input', target: 'draft-7' })) as Record<string, unknown>;
}

const article = (expected: string): string =>
  ({
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'an integer',
    boolean: 'true or false',
  })[expected] ?? expected;

function describeInput(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return show(v);
}

/**
 * Per-parse error map: lowercase messages that say what was received and what is allowed. Field-specific
 * messages (patterns, email) are set on the schema and take precedence.
 */
export const tenantErrorMap: z.core.$ZodErrorMap = (iss) => {
  const input = iss.input;
  switch (iss.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required; add it (fields are described in tenants/README.md)';
      return `must be ${article(iss.expected)}, got ${describeInput(input)}`;
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'array') {
        const n = Array.isArray(input) ? input.length : 0;
        return min === 1 ? 'must not be empty; list at least one item' : `must list at least ${min} items, got ${n}`;
      }
      if (iss.origin === 'string') return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      return iss.inclusive
        ? `must be at least ${min}, got ${show(input)}`
        : `must be greater than ${min}, got ${show(input)}`;
    }
    case 'too_big': {
      const max = Number(iss.maximum);
      if (iss.origin === 'array') return `must list at most ${max} items`;
      if (iss.origin === 'string') return `must be at most ${max} characters`;
      return iss.inclusive
        ? `must be at most ${max}, got ${show(input)}`
        : `must be less than ${max}, got ${show(input)}`;
    }
    case 'invalid_value':
      if (input === undefined) return `is required; one of ${iss.values.map((v) => show(v)).join(', ')}`;
      return `must be one of ${iss.values.map((v) => show(v)).join(', ')}, got ${describeInput(input)}`;
    case 'invalid_union':
      return `has an invalid value, got ${describeInput(input)}`;
    default:
      return undefined;
  }
};

/** Result of decoding one tenant file: the spec when it is valid, and every problem otherwise. */
export interface ParseResult {
  readonly spec?: TenantSpec;
  readonly problems: readonly Problem[];
}

/** Decode one tenant file's YAML value. `file` is the path problems point at (e.g. `tenants/acme.yaml`). */
export function parseTenant(file: string, raw: unknown): ParseResult {
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      problems: [
        {
          file,
          path: '',
          code: 'not_a_mapping',
          message: `must be a mapping of tenant fields, got ${raw == null ? 'an empty file' : describeInput(raw)}; start with "id: <tenant id>" (see tenants/README.md)`,
        },
      ],
    };
  }
  // jitless: zod's compiled fast path costs more to build than it saves on a fleet's worth of files (measured: one
  // cold pass over 1,000 tenant files 95 → 70 ms, and faster warm too); results and issues are the same.
  const result = TenantSchema.safeParse(raw, { error: tenantErrorMap, jitless: true });
  if (result.success) return { spec: result.data, problems: [] };
  return { problems: result.error.issues.flatMap((issue) => issueProblems(file, issue)) };
}

function issueProblems(file: string, issue: z.core.$ZodIssue): Problem[] {
  if (issue.code !== 'unrecognized_keys') {
    return [{ file, path: formatPath(issue.path), code: issue.code, message: issue.message }];
  }
  // One problem per key, pointing at the key itself, with the allowed keys and the nearest match.
  const allowed = objectKeysAt(TenantSchema, issue.path);
  const inConfig = issue.path[issue.path.length - 1] === 'config';
  return issue.keys.map((key) => {
    const path = formatPath([...issue.path, key]);
    const suggestion = nearest(key, allowed);
    const didYouMean = suggestion ? `did you mean "${suggestion}"? ` : '';
    if (inConfig) {
      const hint = TOPIC_CONFIG_HINTS[key];
      return {
        file,
        path,
        code: 'config_key_not_allowed',
        message: hint
          ? `"${key}" cannot be set under config; ${hint}`
          : `"${key}" is not an allowed topic config; ${didYouMean}allowed: ${allowed.join(', ')}; ask the platform team to extend the allow-list if you need it`,
      };
    }
    return {
      file,
      path,
      code: 'unrecognized_keys',
      message: `unknown key "${key}"; ${didYouMean}allowed: ${allowed.join(', ')}`,
    };
  });
}

interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
}

/** Keys of the object schema found by following an issue path through objects, arrays, optionals and defaults. */
function objectKeysAt(schema: z.ZodType, p: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  let i = 0;
  while (current) {
    const def = current._zod.def as unknown as SchemaDef;
    if (def.innerType) {
      current = def.innerType;
    } else if (i >= p.length) {
      return def.shape ? Object.keys(def.shape) : [];
    } else if (def.type === 'array') {
      current = def.element;
      i++;
    } else if (def.shape) {
      current = def.shape[String(p[i])];
      i++;
    } else {
      return [];
    }
  }
  return [];
}

/** The allowed key closest to a misspelt one, if it is close enough to be a typo. */
export function nearest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
