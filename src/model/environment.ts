import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Problem, ValidationError } from '../errors';
import { aliasBombProblem, isAliasBomb, MAX_ALIAS_COUNT, unreadableProblem } from './input-files';
import { zodProblems } from './zod-problems';

/** Isolation tiers, chosen per tenant by one field. */
export const TIERS = ['dedicated', 'topic-per-tenant', 'shared'] as const;
export type Tier = (typeof TIERS)[number];

const port = z.number().int().min(1024).max(65535);

const LocalClusterSchema = z.strictObject({
  clientPort: port.meta({ description: 'SASL_PLAINTEXT SCRAM-SHA-512 client listener on 127.0.0.1' }),
  controllerPort: port.meta({ description: 'KRaft controller listener on 127.0.0.1' }),
  heapMb: z.number().int().min(128).max(4096).default(512),
  /** Extra broker settings for this local cluster (e.g. shorter quota windows so throttling shows quickly). */
  serverProperties: z.record(z.string(), z.string()).default({}),
});

const ClusterSchema = z.strictObject({
  description: z.string().optional(),
  /** A dedicated cluster hosts dedicated-tier tenants only. */
  dedicated: z.boolean().default(false),
  bootstrapServers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1),
  brokers: z.number().int().min(1),
  replicationFactor: z.number().int().min(1),
  /** Present when `kafka-tenancy local` runs this cluster on this machine. */
  local: LocalClusterSchema.optional(),
});

const QuotaSchema = z.strictObject({
  producerByteRate: z.number().int().min(1024),
  consumerByteRate: z.number().int().min(1024),
  requestPercentage: z.number().min(1),
});

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
      dynamodbTable: z.string().optional(),
    }),
    z.strictObject({ backend: z.literal('pg'), connStrEnv: z.string().default('KAFKA_TENANCY_PG_CONN_STR') }),
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
export type TierDefaults = z.infer<typeof TierDefaultsSchema>;
export type QuotaConfig = z.infer<typeof QuotaSchema>;

/** Project root: the folder holding package.json (works from src/ and from dist/src/). */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'environments'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export function environmentFile(name: string, root = projectRoot()): string {
  return path.join(root, 'environments', `${name}.yaml`);
}

/** Load and validate `environments/<name>.yaml`, with cross-field checks. Throws ValidationError. */
export function loadEnvironment(name = 'local', root = projectRoot()): Environment {
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
  const rel = path.relative(root, file);
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
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new ValidationError([
      isAliasBomb(e)
        ? aliasBombProblem(rel)
        : { file: rel, path: '', code: 'yaml', message: `not valid yaml: ${(e as Error).message}` },
    ]);
  }
  const parsed = EnvironmentSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodProblems(rel, parsed.error));
  const env = parsed.data;
  const problems: Problem[] = [];
  const shared = env.clusters[env.sharedCluster];
  if (!shared) {
    problems.push({
      file: rel,
      path: 'sharedCluster',
      code: 'unknown_cluster',
      message: `"${env.sharedCluster}" is not one of the clusters (${Object.keys(env.clusters).join(', ')})`,
    });
  } else if (shared.dedicated) {
    problems.push({
      file: rel,
      path: 'sharedCluster',
      code: 'dedicated_cluster',
      message: 'the shared cluster cannot be marked dedicated',
    });
  }
  for (const [name, c] of Object.entries(env.clusters)) {
    if (c.replicationFactor > c.brokers) {
      problems.push({
        file: rel,
        path: `clusters.${name}.replicationFactor`,
        code: 'too_big',
        message: `replication factor ${c.replicationFactor} exceeds the cluster's ${c.brokers} broker(s)`,
      });
    }
  }
  const topicNames = new Set(env.sharedTopics.map((t) => t.name));
  env.platformConsumers.forEach((pc, i) =>
    pc.consumes.forEach((t, j) => {
      if (!topicNames.has(t)) {
        problems.push({
          file: rel,
          path: `platformConsumers[${i}].consumes[${j}]`,
          code: 'unknown_topic',
          message: `"${t}" is not a shared topic; declare it under sharedTopics`,
        });
      }
    }),
  );
  env.retiredSharedTopics.forEach((r, i) => {
    if (topicNames.has(r.name)) {
      problems.push({
        file: rel,
        path: `retiredSharedTopics[${i}].name`,
        code: 'retired_topic_declared',
        message: `shared topic "${r.name}" is both declared under sharedTopics and retired; remove it from sharedTopics to retire it, or drop the retiredSharedTopics entry to keep it`,
      });
    }
  });
  if (problems.length) throw new ValidationError(problems);
  return env;
}
