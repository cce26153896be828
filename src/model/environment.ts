import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../paths';
import { ValidationError } from '../errors';
import { decodeOnce } from './decode-cache';
import { locatedOnDemand, readYaml, unreadableProblem } from './input-files';
import { ENVIRONMENT_RULES } from './rules/environment';
import { type Locator, withPositions } from './source-map';
import { zodProblems } from './zod-problems';

/** Isolation tiers, chosen per tenant by one field. */
export const TIERS = ['dedicated', 'topic-per-tenant', 'shared'] as const;
export type Tier = (typeof TIERS)[number];

const port = z.number().int().min(1024).max(65535);

const LocalClusterSchema = z.strictObject({
  clientPort: port.meta({
    description: 'SCRAM-SHA-512 client listener on 127.0.0.1 (SASL_SSL or SASL_PLAINTEXT as `security` says)',
  }),
  controllerPort: port.meta({ description: 'KRaft controller listener on 127.0.0.1' }),
  heapMb: z.number().int().min(128).max(4096).default(512),
  /** Extra broker settings for this local cluster (e.g. shorter quota windows so throttling shows quickly). */
  serverProperties: z.record(z.string(), z.string()).default({}),
});

/**
 * How clients reach a cluster: SCRAM-SHA-512 over TLS (`SASL_SSL`, what every production cluster speaks) or over
 * plain TCP (`SASL_PLAINTEXT`, loopback/dev clusters only: validate warns about any other address). Hostname
 * verification is always on (there is no switch to turn it off: a broker certificate needs a SAN for the address
 * clients use). TLS material comes from the secret source, like passwords, so that nothing machine-specific is in
 * the synthesized JSON and plain `terraform apply` gets it through `kafka-tenancy tf-env`.
 */
export const SECURITY_PROTOCOLS = ['SASL_SSL', 'SASL_PLAINTEXT'] as const;
const SecuritySchema = z
  .strictObject({
    protocol: z.enum(SECURITY_PROTOCOLS).default('SASL_PLAINTEXT'),
    caCertificate: z.enum(['secret', 'system']).default('secret').meta({
      description:
        'SASL_SSL: where the CA bundle that signed the brokers comes from: `secret` (PEM in the secret source as tlsca/<cluster>; `local up` writes it for local clusters) or `system` (the public roots of the OS/Node, e.g. MSK, Confluent Cloud)',
    }),
    clientCertificate: z.boolean().default(false).meta({
      description:
        'SASL_SSL: present a client certificate (mTLS) in addition to SCRAM; PEM certificate and key from the secret source as tlscert/<cluster> and tlskey/<cluster>',
    }),
  })
  .default({ protocol: 'SASL_PLAINTEXT', caCertificate: 'secret', clientCertificate: false });

const ClusterSchema = z.strictObject({
  description: z.string().optional(),
  /** A dedicated cluster hosts dedicated-tier tenants only. */
  dedicated: z.boolean().default(false),
  bootstrapServers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1),
  brokers: z.number().int().min(1),
  replicationFactor: z.number().int().min(1),
  security: SecuritySchema,
  /** Present when `kafka-tenancy local` runs this cluster on this machine. */
  local: LocalClusterSchema.optional(),
});

const QuotaSchema = z.strictObject({
  producerByteRate: z.number().int().min(1024),
  consumerByteRate: z.number().int().min(1024),
  requestPercentage: z.number().min(1),
});

/**
 * How large a tenant of a tier may grow: every topic a tenant owns (own topics; on the shared tier its premium
 * topics) stays within these, and `validate` refuses a tenant file that does not. Decommissioning tenants are
 * exempt (their topics are on the way out).
 */
const TopicBoundsSchema = z
  .strictObject({
    maxPartitionsPerTopic: z.number().int().min(1).meta({ description: 'partitions of any one topic' }),
    maxPartitionsPerTenant: z
      .number()
      .int()
      .min(1)
      .meta({ description: "sum of the partitions of a tenant's topics (each topic counted with its resolved count)" }),
    maxTopicsPerTenant: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'topics a tenant owns (shared tier: premium topics); 0 = none' }),
    minRetentionMs: z.number().int().min(1).meta({ description: 'smallest finite retention.ms a topic may set' }),
    maxRetentionMs: z.number().int().min(1).meta({ description: 'largest finite retention.ms a topic may set' }),
    allowInfiniteRetention: z
      .boolean()
      .meta({ description: 'whether retentionMs: -1 (keep forever) is allowed; it bypasses maxRetentionMs' }),
    maxMessageBytes: z
      .number()
      .int()
      .min(1)
      .meta({ description: 'largest max.message.bytes a topic may set (unset: the broker default applies)' }),
  })
  .meta({ description: "bounds on the size of a tier's tenants, enforced by validate" });

const TierDefaultsSchema = z.strictObject({
  partitions: z.number().int().min(1),
  retentionMs: z.number().int().min(-1),
  minInsyncReplicas: z.number().int().min(1),
  quota: QuotaSchema,
  quotaBounds: z.strictObject({
    maxProducerByteRate: z.number().int().min(1024),
    maxConsumerByteRate: z.number().int().min(1024),
    maxRequestPercentage: z.number().min(1),
  }),
  topicBounds: TopicBoundsSchema,
});

const logicalName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'lowercase letters, digits, "." and "-", starting and ending alphanumeric');

/** An environment name: also its file name (`environments/<name>.yaml`), so never a path. */
export const ENV_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
export const ENV_NAME_FORM = 'lowercase letters, digits and "-", starting with a letter (e.g. local)';

export const EnvironmentSchema = z.strictObject({
  name: z.string().regex(ENV_NAME_PATTERN),
  clusters: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), ClusterSchema),
  sharedCluster: z.string(),
  secrets: z.strictObject({ source: z.enum(['local-file', 'env']) }),
  state: z.discriminatedUnion('backend', [
    z.strictObject({ backend: z.literal('local') }),
    z.strictObject({
      backend: z.literal('s3'),
      bucket: z.string(),
      region: z.string(),
      keyPrefix: z.string().default('kafka-tenancy'),
      useLockfile: z.boolean().optional().meta({
        description:
          'lock with a .tflock object beside the state (use_lockfile, Terraform >= 1.10); default: true unless dynamodbTable is set',
      }),
      dynamodbTable: z.string().optional().meta({
        description: 'deprecated (Terraform >= 1.10 deprecates DynamoDB locking): set useLockfile: true instead',
      }),
    }),
    z.strictObject({
      backend: z.literal('pg'),
      connStrEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
        .default('KAFKA_TENANCY_PG_CONN_STR')
        .meta({
          description:
            'environment variable holding the PostgreSQL connection string (terraform gets it as PG_CONN_STR)',
        }),
    }),
  ]),
  sharedTopics: z
    .array(
      z.strictObject({
        name: logicalName,
        partitions: z.number().int().min(1),
        retentionMs: z.number().int().min(-1).optional(),
      }),
    )
    .default([]),
  retiredSharedTopics: z
    .array(
      z.strictObject({
        name: logicalName,
        deleteData: z.boolean(),
        reason: z.string().optional(),
      }),
    )
    .default([])
    .meta({
      description:
        'shared topics removed from sharedTopics: deleteData true deletes the topic and its records, false forgets it and keeps the data',
    }),
  platformConsumers: z
    .array(z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9-]*$/), consumes: z.array(logicalName).min(1) }))
    .default([]),
  tierDefaults: z.strictObject({
    dedicated: TierDefaultsSchema,
    'topic-per-tenant': TierDefaultsSchema,
    shared: TierDefaultsSchema,
  }),
});

export type Environment = z.infer<typeof EnvironmentSchema>;
export type ClusterConfig = z.infer<typeof ClusterSchema>;
export type ClusterSecurity = z.infer<typeof SecuritySchema>;
export type TierDefaults = z.infer<typeof TierDefaultsSchema>;
export type QuotaConfig = z.infer<typeof QuotaSchema>;
export type TopicBounds = z.infer<typeof TopicBoundsSchema>;

export function environmentFile(name: string, root = projectRoot()): string {
  return path.join(root, 'environments', `${name}.yaml`);
}

/** An environment file that decoded and passed its cross-field rules. */
export interface ParsedEnvironment {
  readonly env: Environment;
  /** Relative to the project root, e.g. `environments/local.yaml`. */
  readonly file: string;
  /** Line and column of each field of the file, by path (shared topics and platform consumers point here). */
  readonly locate: Locator;
}

/**
 * Load and validate `environments/<name>.yaml`, with cross-field checks. Throws ValidationError. With `cacheDir`, a
 * file decoded before from the same bytes is not parsed again (decode-cache.ts; the rules still run).
 */
export function loadEnvironment(name = 'local', root = projectRoot(), cacheDir?: string): Environment {
  return readEnvironment(name, root, cacheDir).env;
}

/**
 * `loadEnvironment`, keeping where each field is. Every problem (schema or cross-field rule) carries the line and
 * column of its path. Throws ValidationError.
 */
export function readEnvironment(name = 'local', root = projectRoot(), cacheDir?: string): ParsedEnvironment {
  if (!ENV_NAME_PATTERN.test(name)) {
    throw new ValidationError([
      {
        file: 'environments',
        path: '',
        code: 'invalid_env_name',
        message: `"${name}" is not an environment name: ${ENV_NAME_FORM}, read from environments/<name>.yaml`,
      },
    ]);
  }
  const file = environmentFile(name, root);
  const rel = path.relative(root, file).split(path.sep).join('/');
  if (!fs.existsSync(file)) {
    throw new ValidationError([
      { file: rel, path: '', code: 'missing_file', message: `environment "${name}" not found; create ${rel}` },
    ]);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ValidationError([unreadableProblem(rel, e)]);
  }
  // with a cache (decode-cache.ts), bytes decoded before are not parsed again; positions are found when asked for
  let locate: Locator | undefined;
  const decoded = decodeOnce(cacheDir, file, text, () => {
    const raw = readYaml(rel, text);
    if ('problems' in raw) throw new ValidationError(raw.problems);
    locate = raw.locate;
    const parsed = EnvironmentSchema.safeParse(raw.value, { jitless: true }); // as parseTenant (tenant-schema.ts)
    if (!parsed.success) throw new ValidationError(zodProblems(rel, parsed.error, raw.locate));
    return parsed.data;
  });
  const env = decoded.value;
  locate ??= locatedOnDemand(rel, text);
  // the rules always run, cached or not
  const problems = ENVIRONMENT_RULES.flatMap((rule) => rule.check({ env, file: rel }));
  if (problems.length) throw new ValidationError(withPositions(problems, new Map([[rel, locate]])));
  return { env, file: rel, locate };
}
