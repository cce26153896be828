/**
 * Decoded, validated tenant files + environment → the resolved model. Every name comes from naming.ts, every
 * ACL from acl.ts, and everything is sorted by name, so reordering a tenant file changes nothing downstream.
 */
import * as path from 'node:path';
import { ValidationError } from '../errors';
import { type PremiumTopicRef, tenantAcls, platformConsumerAcls } from '../acl';
import type { SourceLocation } from '../source';
import { type Environment, type ParsedEnvironment, type TierDefaults, readEnvironment } from './environment';
import { projectRoot } from '../paths';
import { type ParsedTenant, loadTenantFiles } from './load';
import { locationOf } from './source-map';
import { copiedTopics, legalMove, sourceParsed } from './migration';
import {
  groupId,
  groupPrefix,
  platformUsername,
  premiumTopicLogicalName,
  premiumTopicName,
  principalOf,
  secretName,
  sharedTopicName,
  topicName,
  topicPrefix,
  transactionalId,
  transactionalIdPrefix,
  username,
} from '../naming';
import type { ApplicationSpec, TopicSpec } from './tenant-schema';
import type {
  DedicatedPartitions,
  MigrationModel,
  Model,
  PartitionMap,
  PlatformConsumerModel,
  PlatformModel,
  PrincipalModel,
  QuotaModel,
  TenantModel,
  TopicModel,
} from './types';
import { targetCluster, validateTenants } from './validate';

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (xs: readonly string[]) => [...new Set(xs)].sort(byName);

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => byName(a, b)));
}

/**
 * Kafka topic configs: the tenant's declaration over the tier defaults. `min.insync.replicas` is the
 * platform's (durability is not a tenant decision); allow-listed extras are passed through as strings.
 */
export function topicConfig(topic: TopicSpec, defaults: TierDefaults): Record<string, string> {
  const config: Record<string, string> = {
    'cleanup.policy': topic.cleanupPolicy,
    'min.insync.replicas': String(defaults.minInsyncReplicas),
    'retention.ms': String(topic.retentionMs ?? defaults.retentionMs),
  };
  for (const [key, value] of Object.entries(topic.config)) {
    if (value !== undefined) config[key] = String(value);
  }
  return sortKeys(config);
}

/** Tier default quota, overridden field by field by the application's declaration. */
export function appQuota(app: Pick<ApplicationSpec, 'quota'>, defaults: TierDefaults): QuotaModel {
  return {
    producerByteRate: app.quota?.producerByteRate ?? defaults.quota.producerByteRate,
    consumerByteRate: app.quota?.consumerByteRate ?? defaults.quota.consumerByteRate,
    requestPercentage: app.quota?.requestPercentage ?? defaults.quota.requestPercentage,
  };
}

/** Where each entry of a list was declared, by its name (`names[j]` at `${path}[j]`); a repeated name keeps every place. */
function entrySources(
  at: (path: string) => SourceLocation,
  path: string,
  names: readonly string[],
  key: (name: string) => string = (n) => n,
  into = new Map<string, SourceLocation[]>(),
): Map<string, SourceLocation[]> {
  names.forEach((n, j) => into.set(key(n), [...(into.get(key(n)) ?? []), at(`${path}[${j}]`)]));
  return into;
}

function tenantModel(env: Environment, parsed: ParsedTenant): TenantModel {
  const base = placementModel(env, parsed);
  const m = parsed.spec.migration;
  if (!m) return base;
  const source = placementModel(env, sourceParsed(env, parsed));
  const move = legalMove(m.from.tier, parsed.spec.tier);
  if (!move) throw new Error(`internal error: tenant ${parsed.spec.id} declares an illegal move; validate first`);
  const migration: MigrationModel = {
    state: m.state,
    keepSourceData: m.keepSourceData,
    engine: move.engine,
    source,
    targetCluster: base.cluster,
    sameCluster: source.cluster === base.cluster,
    topics: copiedTopics(env, parsed.spec),
    groups: sortedUnique(parsed.spec.applications.flatMap((a) => a.groups.map((g) => groupId(parsed.spec.id, g)))),
    declaration: locationOf(parsed.locate, parsed.file, 'migration'),
  };
  return Object.defineProperty(base, 'migration', { value: migration, enumerable: true, writable: true });
}

/** One placement of a tenant: where its file puts it, or (for a migration's source) where it came from. */
function placementModel(env: Environment, parsed: ParsedTenant): TenantModel {
  const { file, spec } = parsed;
  const at = (p: string) => locationOf(parsed.locate, file, p);
  const defaults = env.tierDefaults[spec.tier];
  const cluster = targetCluster(env, spec);
  const clusterConfig = env.clusters[cluster];
  if (!clusterConfig)
    throw new Error(`internal error: tenant ${spec.id} targets unknown cluster ${cluster}; validate first`);

  const dedicatedPartitions: DedicatedPartitions[] = spec.dedicatedPartitions
    .map((d) => ({ topic: sharedTopicName(d.topic), partitions: [...new Set(d.partitions)].sort((a, b) => a - b) }))
    .sort((a, b) => byName(a.topic, b.topic));

  const built = {
    topics: () => tenantTopics(env, parsed, at, defaults, clusterConfig.replicationFactor),
    principals: () => tenantPrincipals(parsed, at, defaults),
  };
  // Topics and principals (their ACLs above all) are most of what building a tenant costs, and a command that
  // touches a few stacks (`plan --affected`) never reads the others': they are built when first read, then kept as
  // plain values (source locations resolve themselves when read: locationOf). As accessors in the literal, they keep their place among the keys and are enumerable, so
  // spreading, JSON, equality and key order see a plain object. Validation does not depend on them: it ran before.
  return {
    id: spec.id,
    file,
    source: at('id'),
    tier: spec.tier,
    cluster,
    owner: spec.owner,
    contact: spec.contact,
    classification: spec.classification,
    encryption: spec.encryption,
    lifecycle: spec.lifecycle,
    deleteData: spec.lifecycle === 'decommissioning' && spec.deleteDataOnDecommission,
    topicPrefix: topicPrefix(spec.id),
    groupPrefix: groupPrefix(spec.id),
    transactionalIdPrefix: transactionalIdPrefix(spec.id),
    get topics() {
      return settle(this, 'topics', built.topics());
    },
    set topics(value) {
      settle(this, 'topics', value);
    },
    retiredTopics: spec.retiredTopics
      .map((r, i) => ({
        name: topicName(spec.id, r.name),
        logicalName: r.name,
        deleteData: r.deleteData,
        source: at(`retiredTopics[${i}]`),
      }))
      .sort((a, b) => byName(a.name, b.name)),
    get principals() {
      return settle(this, 'principals', built.principals());
    },
    set principals(value) {
      settle(this, 'principals', value);
    },
    dedicatedPartitions,
  };
}

/** Replace the accessor `key` of `target` by a plain property holding `value`, and return the value. */
function settle<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): T[K] {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  return value;
}

function tenantTopics(
  env: Environment,
  parsed: ParsedTenant,
  at: (path: string) => SourceLocation,
  defaults: TierDefaults,
  replicationFactor: number,
): TopicModel[] {
  const { spec } = parsed;
  const topics: TopicModel[] = spec.topics.map((t, i) => ({
    name: topicName(spec.id, t.name),
    logicalName: t.name,
    partitions: t.partitions ?? defaults.partitions,
    replicationFactor: t.replicationFactor ?? replicationFactor,
    config: topicConfig(t, defaults),
    allowDataLoss: t.allowDataLoss,
    source: at(`topics[${i}]`),
  }));
  // A premium topic is the tenant's private copy of a shared topic: same partitions and configs, under its prefix.
  for (const { logical, shared, path } of premiumEntries(env, parsed)) {
    topics.push({
      name: premiumTopicName(spec.id, logical),
      logicalName: premiumTopicLogicalName(logical),
      partitions: shared.partitions,
      replicationFactor,
      config: sharedTopicConfig(shared, defaults),
      allowDataLoss: false,
      premiumOf: sharedTopicName(logical),
      source: at(path),
    });
  }
  return topics.sort((a, b) => byName(a.name, b.name));
}

function tenantPrincipals(
  { spec }: ParsedTenant,
  at: (path: string) => SourceLocation,
  defaults: TierDefaults,
): PrincipalModel[] {
  return spec.applications
    .map((app, i): PrincipalModel => {
      const decl = `applications[${i}]`;
      const user = username(spec.id, app.name);
      const produces = sortedUnique(app.produces);
      const consumes = sortedUnique(app.consumes);
      const groups = sortedUnique(app.groups.map((g) => groupId(spec.id, g)));
      const transactionalIds = sortedUnique(app.transactionalIds.map((x) => transactionalId(spec.id, x)));
      return {
        app: app.name,
        username: user,
        principal: principalOf(user),
        secretName: secretName(user),
        produces,
        consumes,
        groups,
        transactionalIds,
        quota: appQuota(app, defaults),
        ...(app.quota && { quotaSource: at(`${decl}.quota`) }),
        acls: tenantAcls({
          tenantId: spec.id,
          tier: spec.tier,
          username: user,
          produces,
          consumes,
          groups,
          transactionalIds,
          premiumTopics: spec.premiumTopics,
          sources: {
            produces: entrySources(at, `${decl}.produces`, app.produces),
            consumes: entrySources(at, `${decl}.consumes`, app.consumes),
            groups: entrySources(at, `${decl}.groups`, app.groups, (g) => groupId(spec.id, g)),
            transactionalIds: entrySources(at, `${decl}.transactionalIds`, app.transactionalIds, (x) =>
              transactionalId(spec.id, x),
            ),
            premiumTopics: entrySources(at, 'premiumTopics', spec.premiumTopics),
          },
        }),
        source: at(decl),
      };
    })
    .sort((a, b) => byName(a.app, b.app));
}

type SharedTopicSpec = Environment['sharedTopics'][number];

/** A shared topic's Kafka configs (the shared tier's defaults under its own retention); premium copies share them. */
function sharedTopicConfig(s: SharedTopicSpec, defaults: TierDefaults): Record<string, string> {
  return topicConfig(
    { name: s.name, cleanupPolicy: 'delete', retentionMs: s.retentionMs, config: {}, allowDataLoss: false },
    defaults,
  );
}

/** A shared-tier tenant's `premiumTopics` entries naming a shared topic, once each, with the entry's path. */
function premiumEntries(
  env: Environment,
  { spec }: ParsedTenant,
): Array<{ logical: string; shared: SharedTopicSpec; path: string }> {
  if (spec.tier !== 'shared') return [];
  return [...new Set(spec.premiumTopics)].flatMap((logical) => {
    const shared = env.sharedTopics.find((s) => s.name === logical);
    return shared ? [{ logical, shared, path: `premiumTopics[${spec.premiumTopics.indexOf(logical)}]` }] : [];
  });
}

/** The premium topics of active tenants: their platform consumers read them (a decommissioned one's data is the admin's). */
function premiumTopicRefs(env: Environment, tenants: readonly ParsedTenant[]): PremiumTopicRef[] {
  return tenants
    .filter((t) => t.spec.lifecycle === 'active')
    .flatMap((t) =>
      premiumEntries(env, t).map(({ logical, path }) => ({
        shared: logical,
        topic: premiumTopicName(t.spec.id, logical),
        tenantId: t.spec.id,
        sources: [locationOf(t.locate, t.file, path)],
      })),
    )
    .sort((a, b) => byName(a.topic, b.topic));
}

function platformModel(
  { env, file, locate }: ParsedEnvironment,
  premiumTopicsOf: () => readonly PremiumTopicRef[],
): PlatformModel {
  const at = (p: string) => locationOf(locate, file, p);
  const defaults = env.tierDefaults.shared;
  const cluster = env.clusters[env.sharedCluster];
  if (!cluster) throw new Error(`internal error: shared cluster ${env.sharedCluster} is not declared`);
  const topics: TopicModel[] = env.sharedTopics
    .map((s, i) => ({
      name: sharedTopicName(s.name),
      logicalName: s.name,
      partitions: s.partitions,
      replicationFactor: cluster.replicationFactor,
      config: sharedTopicConfig(s, defaults),
      allowDataLoss: false,
      source: at(`sharedTopics[${i}]`),
    }))
    .sort((a, b) => byName(a.name, b.name));
  // Built when first read, like a tenant's principals (see tenantModel): they grant every premium topic of the fleet.
  const consumers = (): PlatformConsumerModel[] => {
    const premiumTopics = premiumTopicsOf();
    return env.platformConsumers
      .map((pc, i): PlatformConsumerModel => {
        const user = platformUsername(pc.name);
        return {
          app: pc.name,
          username: user,
          principal: principalOf(user),
          secretName: secretName(user),
          produces: [],
          consumes: sortedUnique(pc.consumes),
          groups: [],
          transactionalIds: [],
          // Platform readers drain what every shared-tier tenant writes, so they get the tier's ceiling rather
          // than one tenant's default.
          quota: {
            producerByteRate: defaults.quotaBounds.maxProducerByteRate,
            consumerByteRate: defaults.quotaBounds.maxConsumerByteRate,
            requestPercentage: defaults.quotaBounds.maxRequestPercentage,
          },
          quotaSource: at('tierDefaults.shared.quotaBounds'),
          acls: platformConsumerAcls(
            pc.name,
            pc.consumes,
            entrySources(at, `platformConsumers[${i}].consumes`, pc.consumes),
            premiumTopics,
          ),
          source: at(`platformConsumers[${i}]`),
        };
      })
      .sort((a, b) => byName(a.app, b.app));
  };
  const retiredTopics = env.retiredSharedTopics
    .map((r, i) => ({
      name: sharedTopicName(r.name),
      logicalName: r.name,
      deleteData: r.deleteData,
      source: at(`retiredSharedTopics[${i}]`),
    }))
    .sort((a, b) => byName(a.name, b.name));
  return {
    topics,
    retiredTopics,
    get consumers() {
      return settle(this, 'consumers', consumers());
    },
    set consumers(value) {
      settle(this, 'consumers', value);
    },
  };
}

function partitionMap(env: Environment, tenants: readonly TenantModel[]): PartitionMap {
  const topics: Record<string, { partitions: number; dedicated: Record<string, readonly number[]> }> = {};
  for (const s of [...env.sharedTopics].sort((a, b) => byName(a.name, b.name))) {
    topics[sharedTopicName(s.name)] = { partitions: s.partitions, dedicated: {} };
  }
  for (const t of tenants) {
    for (const d of t.dedicatedPartitions) {
      const entry = topics[d.topic];
      if (entry) entry.dedicated[t.id] = d.partitions;
    }
  }
  return { version: 1, environment: env.name, topics };
}

/** Resolve validated tenants into the model. Assumes `validateTenants` found nothing; use `loadModel` from files. */
export function buildModel(environment: ParsedEnvironment, tenants: readonly ParsedTenant[]): Model {
  const { env } = environment;
  const resolved = tenants.map((t) => tenantModel(env, t)).sort((a, b) => byName(a.id, b.id));
  return {
    env,
    tenants: resolved,
    platform: platformModel(environment, () => premiumTopicRefs(env, tenants)),
    partitionMap: partitionMap(env, resolved),
  };
}

export interface LoadModelOptions {
  /** Environment name: `environments/<env>.yaml`. */
  readonly env: string;
  /** Folder of tenant files, absolute or relative to root. @default - `tenants` */
  readonly tenantsDir?: string;
  /** Project root, which file names in problems are relative to. @default - the folder holding package.json */
  readonly root?: string;
  /** Folder of the decoded-file cache (see decode-cache.ts). @default - none: every file is decoded */
  readonly cacheDir?: string;
}

/**
 * Load the environment and every tenant file, validate across tenants, and build the model. Throws one
 * ValidationError carrying every problem found (decoding and rules together), sorted.
 */
export function loadModel(options: LoadModelOptions): Model {
  const root = options.root ?? projectRoot();
  const environment = readEnvironment(options.env, root, options.cacheDir);
  const dir = path.resolve(root, options.tenantsDir ?? 'tenants');
  const loaded = loadTenantFiles(dir, root, { cacheDir: options.cacheDir });
  const problems = [...loaded.problems, ...validateTenants(environment.env, loaded.tenants)];
  if (problems.length > 0) throw new ValidationError(problems);
  return buildModel(environment, loaded.tenants);
}
