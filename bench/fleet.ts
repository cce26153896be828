/**
 * The synthetic mixed fleet of issue 10, for the bench runners: 60% topic-per-tenant (3–5 topics, 2–3
 * applications), 30% shared (1–2 producing applications on the shared topics, some with a premium topic), 10%
 * dedicated (3–5 topics, 2–3 applications, each on its own dedicated cluster). Deterministic by seed: the same
 * (size, seed) gives the same bytes, so paired runs and two machines compare like with like.
 *
 * The fleet is written into a temporary project root that also holds a copy of `environments/`, with one dedicated
 * cluster per dedicated tenant added to the environment (a dedicated cluster belongs to one tenant), so the files
 * validate like a real project's. Every value stays inside the tier bounds of `environments/local.yaml`.
 */
import { mulberry32 } from '../src/verify/pairs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { projectRoot } from '../src/paths';

export interface FleetOptions {
  readonly tenants: number;
  /** @default 1 */
  readonly seed?: number;
  /** @default "local" */
  readonly env?: string;
  /** Project root to copy `environments/` from. @default - this checkout */
  readonly sourceRoot?: string;
  /** Where to create the project root. @default - a new folder under the OS temp dir */
  readonly root?: string;
  /**
   * How many tenants are dedicated (each adds a cluster at an unreachable 10.x address to the environment, so a fleet
   * with any cannot be deployed on the local harness). @default - 10% of the fleet
   */
  readonly dedicated?: number;
  /**
   * Also copy the source root's own `tenants/*.yaml` (the example fleet) into the project; the generated tenants
   * then number `tenants` minus the examples. @default false
   */
  readonly withExamples?: boolean;
}

export interface Fleet {
  /** Project root holding `environments/` and `tenants/`. */
  readonly root: string;
  readonly tenantsDir: string;
  readonly env: string;
  readonly ids: readonly string[];
  readonly counts: Readonly<Record<Tier, number>>;
  /** Removes the project root. */
  remove(): void;
}

export type Tier = 'topic-per-tenant' | 'shared' | 'dedicated';

/** Tenant ids of one length never prefix each other, so no id is a prefix-collision risk for another. */
export const tenantId = (i: number): string => `t${String(i).padStart(5, '0')}`;

export const seededRandom = mulberry32;

const TOPIC_WORDS = ['orders', 'payments', 'invoices', 'audit', 'events', 'profiles', 'clicks', 'shipments'];
const DAY_MS = 86_400_000;

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
function sample<T>(rng: Rng, xs: readonly T[], n: number): T[] {
  const pool = [...xs];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n);
}

/** Exact tier counts (rounded), in a seeded order. */
export function tierPlan(n: number, rng: Rng, dedicatedCount?: number): Tier[] {
  const dedicated = dedicatedCount ?? Math.round(n * 0.1);
  // 30% of the fleet; with a set number of dedicated tenants, a third of the rest (the same 60:30 mix)
  const shared = dedicatedCount === undefined ? Math.round(n * 0.3) : Math.round((n - dedicated) / 3);
  const tiers: Tier[] = [
    ...Array<Tier>(n - dedicated - shared).fill('topic-per-tenant'),
    ...Array<Tier>(shared).fill('shared'),
    ...Array<Tier>(dedicated).fill('dedicated'),
  ];
  return sample(rng, tiers, n);
}

function ownTopicsTenant(id: string, rng: Rng, tier: 'topic-per-tenant' | 'dedicated', cluster?: string) {
  const maxPartitions = tier === 'dedicated' ? 24 : 12; // ≤ 5 × 12 = 60 of the 240 a topic-per-tenant tenant may have
  const topics = sample(rng, TOPIC_WORDS, int(rng, 3, 5)).map((name) => ({
    name,
    partitions: int(rng, 1, maxPartitions),
    retentionMs: int(rng, 1, 30) * DAY_MS,
    ...(rng() < 0.3 ? { config: { 'compression.type': pick(rng, ['zstd', 'lz4', 'snappy']) } } : {}),
  }));
  const names = topics.map((t) => t.name);
  const applications: Record<string, unknown>[] = [
    { name: 'writer', produces: names.slice(0, Math.max(1, names.length - 1)) },
    { name: 'reader', consumes: names.slice(0, 2), groups: ['reader'] },
  ];
  if (rng() < 0.5) {
    applications.push({
      name: 'processor',
      consumes: [names[0]],
      produces: [names[names.length - 1]],
      groups: ['processor'],
      transactionalIds: ['processor'],
      ...(rng() < 0.5 ? { quota: { producerByteRate: int(rng, 1, 4) * 1048576 } } : {}),
    });
  }
  return {
    id,
    description: `synthetic ${tier} tenant`,
    owner: `team-${id}`,
    contact: `${id}-oncall@example.com`,
    tier,
    classification: tier === 'dedicated' ? 'regulated' : 'internal',
    ...(cluster ? { cluster } : {}),
    topics,
    applications,
  };
}

function sharedTenant(id: string, rng: Rng, sharedTopics: readonly string[]) {
  const first = pick(rng, sharedTopics);
  const applications: Record<string, unknown>[] = [{ name: 'shop', produces: [first] }];
  if (rng() < 0.5) {
    applications.push({
      name: 'shipping',
      produces: [...sharedTopics],
      quota: { producerByteRate: int(rng, 1, 4) * 1048576, requestPercentage: int(rng, 10, 50) },
    });
  }
  // a premium copy takes its shared topic's partitions (≤ 6): one stays inside the tier's 24 a tenant; it needs a producer
  const premium = rng() < 0.2 ? { premiumTopics: [first] } : {};
  return {
    id,
    owner: `team-${id}`,
    contact: `${id}-oncall@example.com`,
    tier: 'shared',
    classification: 'public',
    applications,
    ...premium,
  };
}

/** The tenant file (YAML text) of tenant number `i`, with everything it needs from the environment. */
export function tenantYaml(i: number, tier: Tier, seed: number, sharedTopics: readonly string[]): string {
  const rng = seededRandom(seed * 1_000_003 + i);
  const id = tenantId(i);
  const doc =
    tier === 'shared'
      ? sharedTenant(id, rng, sharedTopics)
      : ownTopicsTenant(id, rng, tier, tier === 'dedicated' ? dedicatedCluster(i) : undefined);
  return stringify(doc);
}

export const dedicatedCluster = (i: number): string => `dedicated-${tenantId(i)}`;

/** Writes a fleet of `tenants` tenants into a project root (see the file comment). */
export function generateFleet(opts: FleetOptions): Fleet {
  const seed = opts.seed ?? 1;
  const env = opts.env ?? 'local';
  const sourceRoot = opts.sourceRoot ?? projectRoot();
  const root = opts.root ?? fs.mkdtempSync(path.join(os.tmpdir(), `kt-fleet-${opts.tenants}-`));
  const envDir = path.join(root, 'environments');
  fs.mkdirSync(envDir, { recursive: true });
  fs.cpSync(path.join(sourceRoot, 'environments'), envDir, { recursive: true });
  const tenantsDir = path.join(root, 'tenants');
  fs.mkdirSync(tenantsDir, { recursive: true });

  const envFile = path.join(envDir, `${env}.yaml`);
  const envDoc = parseDocument(fs.readFileSync(envFile, 'utf8'));
  const sharedTopics = (envDoc.toJS() as { sharedTopics?: { name: string }[] }).sharedTopics?.map((t) => t.name);
  if (!sharedTopics?.length) throw new Error(`${envFile}: the fleet needs shared topics for its shared tier`);

  const examples = opts.withExamples
    ? fs.readdirSync(path.join(sourceRoot, 'tenants')).filter((f) => f.endsWith('.yaml'))
    : [];
  for (const f of examples) fs.copyFileSync(path.join(sourceRoot, 'tenants', f), path.join(tenantsDir, f));
  const generated = opts.tenants - examples.length;
  if (generated < 0) throw new Error(`a fleet of ${opts.tenants} cannot hold the ${examples.length} example tenants`);
  const tiers = tierPlan(generated, seededRandom(seed), opts.dedicated);
  const ids: string[] = examples.map((f) => f.replace(/\.yaml$/, ''));
  tiers.forEach((tier, i) => {
    const id = tenantId(i);
    ids.push(id);
    if (tier === 'dedicated') {
      // 10.x addresses, one per cluster: no two clusters share a host:port
      envDoc.setIn(['clusters', dedicatedCluster(i)], {
        description: `dedicated cluster of ${id}`,
        dedicated: true,
        bootstrapServers: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9092`],
        brokers: 1,
        replicationFactor: 1,
      });
    }
    fs.writeFileSync(path.join(tenantsDir, `${id}.yaml`), tenantYaml(i, tier, seed, sharedTopics));
  });
  fs.writeFileSync(envFile, envDoc.toString());
  const counts = { 'topic-per-tenant': 0, shared: 0, dedicated: 0 };
  for (const t of tiers) counts[t]++;
  return { root, tenantsDir, env, ids, counts, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
