/**
 * A shared-tier tenant with encrypted (pii) records moves to topic-per-tenant with its data, as a platform team does
 * it (issue 14): the built CLI, real terraform, one real cluster of the test's own (shared only, 19292/19293), the
 * copier as its own detached process.
 *
 *   1. acme (pii, encrypted) and globex (encrypted) write interleaved records into shared.orders.placed and
 *      shared.orders.shipped through the SDK's TenantProducer, with the environment's keyring;
 *   2. acme's file becomes `tier: topic-per-tenant` (own topics, one with another partition count than its shared
 *      topic) + `migration: { from: { tier: shared }, state: copying }`: plan review, deploy, `migrate acme start`;
 *      the copier is SIGKILLed mid-copy (decided from its status file) and started again; verify passes;
 *   3. `state: cutover`: deploy drops acme's writes on the shared topics, `migrate acme cutover` drains and compares
 *      (counts, sha256, per-key order); verify passes;
 *   4. `state: done`: acme works on its own topics; verify passes; acme's own consumer (TenantConsumer with the
 *      declared origins) reads every record it wrote, decrypted with its key, in per-key source order, nothing of
 *      globex; the shared topics' records (globex's included) are byte for byte what they were before the move.
 *
 * Figures printed, never asserted: copy throughput, how far the copy was when killed, the cutover pause (from the
 * cutover apply, when acme's writes started being refused, to the done apply, when they were allowed again).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { kafkaClient } from '../../src/kafka/client';
import { withDeadline } from '../../src/kafka/deadline';
import { down } from '../../src/local/cluster';
import type { CopierStatus } from '../../src/migration/copier-main';
import { type PartitionRecords, readTopicRecords, recordFingerprint } from '../../src/migration/copy-check';
import { loadModel } from '../../src/model';
import { loadEnvironment, type Environment } from '../../src/model/environment';
import { clusterEndpoint } from '../../src/platform/connection';
import { adminCredentials } from '../../src/platform/identities';
import {
  type ConsumedRecord,
  HEADERS,
  type KeyProvider,
  PartitionMapIndex,
  type RecordRejection,
  TenantConsumer,
  TenantProducer,
  type TenantRecord,
  VERIFICATION_MARKER_HEADER,
  localKeyringFor,
  singleHeader,
} from '../../src/sdk';
import { secretSourceFor, type SecretSource } from '../../src/secrets';
import { expectOk, projectCli, tail, until, verifyPasses } from './cli-support';
import { savedLocalDirs } from './support';

jest.setTimeout(1_800_000);

const REPO_ROOT = path.join(__dirname, '..', '..');
const ENV = 'migshared';
const PORTS = [19292, 19293] as const;
/** Shared topics (logical names), their partitions in environments/local.yaml, and what each tenant writes. */
const SHARED = ['orders.placed', 'orders.shipped'] as const;
/** acme's own topics after the move: orders.placed gets 4 partitions where the shared topic has 6. */
const ACME_TOPICS = [
  { name: 'orders.placed', partitions: 4 },
  { name: 'orders.shipped', partitions: 3 },
];
const ROUNDS = 50;
/** Per round: acme 80 placed + 30 shipped, globex 60 placed (5,500 and 3,000 records in all). */
const PER_ROUND = { acmePlaced: 80, acmeShipped: 30, globexPlaced: 60 };
const KEYS = 211;
const PAD = 'x'.repeat(200);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-migration-shared-'));
const root = path.join(work, 'project');
const localDir = path.join(work, '.local');
const stateDir = path.join(work, 'state');
const migrationFiles = path.join(localDir, 'migrations', ENV, 'acme');
const saved = savedLocalDirs();

const cli = projectCli({ env: ENV, root, localDir, stateDir });
const verify = (label: string) => verifyPasses(cli, label);

function writeEnvironment(): void {
  const local = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'environments', 'local.yaml'), 'utf8')) as {
    clusters: Record<string, { local: Record<string, unknown> } & Record<string, unknown>>;
  } & Record<string, unknown>;
  const c = local.clusters.shared!;
  const [client, controller] = PORTS;
  const shared = {
    ...c,
    bootstrapServers: [`127.0.0.1:${client}`],
    local: { ...c.local, clientPort: client, controllerPort: controller, heapMb: 384 },
  };
  fs.mkdirSync(path.join(root, 'environments'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'environments', `${ENV}.yaml`),
    stringifyYaml({ ...local, name: ENV, clusters: { shared } }),
  );
}

function writeTenantFile(doc: Record<string, unknown>): void {
  fs.writeFileSync(path.join(root, 'tenants', `${String(doc.id)}.yaml`), stringifyYaml(doc));
}

/** acme on the shared tier, or (with a state) on its way to topic-per-tenant. */
function writeAcme(state?: 'copying' | 'cutover' | 'done'): void {
  const base = { id: 'acme', owner: 'team-acme', contact: 'acme@example.com', classification: 'pii', encryption: true };
  if (!state) {
    writeTenantFile({
      ...base,
      tier: 'shared',
      applications: [{ name: 'checkout', produces: [...SHARED] }],
    });
    return;
  }
  writeTenantFile({
    ...base,
    tier: 'topic-per-tenant',
    topics: ACME_TOPICS,
    applications: [
      { name: 'checkout', produces: [...SHARED] },
      // until done the file must also fit the shared tier, where an application that only reads gets no access
      ...(state === 'done' ? [{ name: 'reader', consumes: [...SHARED], groups: ['reader'] }] : []),
    ],
    migration: {
      from: { tier: 'shared' },
      state,
      keepSourceData: true,
      reason: 'pii out of the shared topics: own topics, own readers',
    },
  });
}

function writeGlobex(): void {
  writeTenantFile({
    id: 'globex',
    owner: 'team-globex',
    contact: 'globex@example.com',
    tier: 'shared',
    classification: 'internal',
    encryption: true,
    applications: [{ name: 'shop', produces: ['orders.placed'] }],
  });
}

interface Payload {
  readonly tenant: string;
  readonly topic: string;
  readonly seq: number;
  readonly pad: string;
}

const sharedTopic = (name: string) => `shared.${name}`;
const isVerification = (headers: Record<string, unknown>) => headers[VERIFICATION_MARKER_HEADER] !== undefined;

/** Per partition: the fingerprint of every record, in offset order. */
const fingerprints = (parts: readonly PartitionRecords[]) =>
  new Map(parts.map((p) => [`${p.topic}[${p.partition}]`, p.records.map((r) => recordFingerprint(r))]));

function headerText(headers: Record<string, unknown>, name: string): string | undefined {
  const v = singleHeader(headers as never, name);
  return v === 'multiple' ? undefined : v;
}

describe('shared → topic-per-tenant with encrypted records, through the CLI', () => {
  let env: Environment;
  let secrets: SecretSource;
  let keys: KeyProvider;
  const adminKafka = () => kafkaClient(clusterEndpoint(env, 'shared', secrets), adminCredentials(secrets, 'shared'));
  const userKafka = (username: string) =>
    kafkaClient(clusterEndpoint(env, 'shared', secrets), { username, password: secrets.get(`scram/${username}`)! });

  beforeAll(() => {
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    writeEnvironment();
    writeAcme();
    writeGlobex();
    process.env.KAFKA_TENANCY_LOCAL_DIR = localDir;
    process.env.KAFKA_TENANCY_STATE_DIR = stateDir;
    env = loadEnvironment(ENV, root);
  });

  afterAll(async () => {
    await cli(['migrate', 'acme', 'stop'], 60_000).catch(() => undefined);
    if (env) await down(env);
    saved.restore();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("copies acme's encrypted records into its own topics, in per-key order, without touching globex's", async () => {
    expectOk('local up', await cli(['local', 'up'], 300_000));
    expectOk('deploy (both tenants on the shared tier)', await cli(['deploy']));
    secrets = secretSourceFor(env); // after deploy: it made the tenants' passwords
    const model = loadModel({ env: ENV, root });
    const partitionMap = new PartitionMapIndex(model.partitionMap);
    keys = localKeyringFor(ENV, ['acme', 'globex']);
    const tenantOf = (id: string) => model.tenants.find((t) => t.id === id)!;

    // 1. interleaved encrypted records of both tenants on the shared topics
    /** acme's plaintexts per (shared topic, aggregate id), in the order they were sent. */
    const sentByAcme = new Map<string, string[]>();
    let acmeTotal = 0;
    let globexTotal = 0;
    const producers = await Promise.all(
      [
        { id: 'acme', user: 'acme.checkout' },
        { id: 'globex', user: 'globex.shop' },
      ].map(async ({ id, user }) => {
        const p = new TenantProducer({
          tenant: tenantOf(id),
          kafka: userKafka(user),
          keyProvider: keys,
          partitionMap,
          producerConfig: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false },
        });
        await withDeadline(p.connect(), 30_000, `${user} connect`);
        return p;
      }),
    );
    const [acme, globex] = producers as [TenantProducer, TenantProducer];
    const t0Produce = Date.now();
    try {
      let seq = 0;
      const record = (tenant: string, name: string): TenantRecord => {
        const s = seq++;
        const aggregateId = `order-${(s * 7919) % KEYS}`;
        const value = JSON.stringify({ tenant, topic: name, seq: s, pad: PAD } satisfies Payload);
        if (tenant === 'acme') {
          const k = `${sharedTopic(name)}\u0000${aggregateId}`;
          sentByAcme.set(k, [...(sentByAcme.get(k) ?? []), value]);
        }
        return { topic: sharedTopic(name), aggregateId, eventType: `${name}.v1`, value };
      };
      for (let round = 0; round < ROUNDS; round++) {
        const a = [
          ...Array.from({ length: PER_ROUND.acmePlaced }, () => record('acme', 'orders.placed')),
          ...Array.from({ length: PER_ROUND.acmeShipped }, () => record('acme', 'orders.shipped')),
        ];
        await withDeadline(acme.sendBatch(a, { acks: -1 }), 60_000, 'acme produce');
        acmeTotal += a.length;
        const g = Array.from({ length: PER_ROUND.globexPlaced }, () => record('globex', 'orders.placed'));
        await withDeadline(globex.sendBatch(g, { acks: -1 }), 60_000, 'globex produce');
        globexTotal += g.length;
      }
    } finally {
      await Promise.all(producers.map((p) => p.disconnect()));
    }
    console.log(
      `produced ${acmeTotal} acme + ${globexTotal} globex encrypted records over ${KEYS} aggregate ids in ` +
        `${((Date.now() - t0Produce) / 1000).toFixed(1)} s (shared-tier producer quotas apply)`,
    );

    const sharedNames = SHARED.map(sharedTopic);
    const before = await readTopicRecords(adminKafka(), sharedNames);
    const countOf = (parts: readonly PartitionRecords[], tenant: string) =>
      parts.reduce(
        (n, p) =>
          n +
          p.records.filter((r) => headerText(r.headers, HEADERS.tenantId) === tenant && !isVerification(r.headers))
            .length,
        0,
      );
    expect(countOf(before, 'acme')).toBe(acmeTotal);
    expect(countOf(before, 'globex')).toBe(globexTotal);
    /** acme's records per (shared topic, key) as `<partition>/<offset>`, in source order. */
    const sourceOrder = new Map<string, string[]>();
    for (const part of before) {
      for (const r of part.records) {
        if (headerText(r.headers, HEADERS.tenantId) !== 'acme') continue;
        const k = `${part.topic}\u0000${r.key!.toString('utf8')}`;
        sourceOrder.set(k, [...(sourceOrder.get(k) ?? []), `${part.partition}/${r.offset}`]);
      }
    }

    // 2. copying: plan review, deploy, the copier killed mid-copy and started again, verify
    writeAcme('copying');
    const plans = path.join(work, 'plans');
    expectOk('plan (copying)', await cli(['plan', '--out', plans]));
    const planFiles = fs
      .readdirSync(plans)
      .filter((f) => f.endsWith('.plan.json'))
      .map((f) => path.join(plans, f));
    const reviewFile = path.join(work, 'review.md');
    expectOk('plan-review (copying)', await cli(['plan-review', ...planFiles, '--markdown', reviewFile]));
    const review = fs.readFileSync(reviewFile, 'utf8');
    console.log(`plan review (copying), ${reviewFile}:\n${review}`);
    expect(review).toMatch(/migration shared .*→ topic-per-tenant/);
    expectOk('deploy (copying)', await cli(['deploy']));

    const statusFile = path.join(migrationFiles, 'copier-status.json');
    const copierStatus = (): CopierStatus | undefined => {
      try {
        return JSON.parse(fs.readFileSync(statusFile, 'utf8')) as CopierStatus;
      } catch {
        return undefined;
      }
    };
    const t0Copy = Date.now();
    const first = JSON.parse(expectOk('migrate start', await cli(['migrate', 'acme', 'start', '--json'])).stdout) as {
      pid: number;
      engine: string;
    };
    expect(first.engine).toBe('copier');
    expect(Number(fs.readFileSync(path.join(migrationFiles, 'copier.pid'), 'utf8'))).toBe(first.pid);
    // mid-copy: the status file of this process reports committed records and not yet caught up
    const atKill = await until(
      'the copier to report progress',
      async () => {
        const s = copierStatus();
        return s?.pid === first.pid && s.progress && s.progress.copied > 0 ? s : undefined;
      },
      120_000,
      5,
    );
    process.kill(first.pid, 'SIGKILL');
    const killedAfterMs = Date.now() - t0Copy;
    // what the killed copier had really committed: its group's offsets against the shared topics' ends
    const committedAtKill = await (async () => {
      const admin = adminKafka().admin();
      await withDeadline(admin.connect(), 30_000, 'admin connect');
      try {
        let behind = 0;
        let total = 0;
        const groups = await admin.fetchOffsets({ groupId: 'platform.migration.acme', topics: sharedNames });
        for (const topic of sharedNames) {
          for (const o of await admin.fetchTopicOffsets(topic)) {
            total++;
            const c = groups.find((g) => g.topic === topic)?.partitions.find((x) => x.partition === o.partition);
            if (!c || BigInt(c.offset) < BigInt(o.high)) behind++;
          }
        }
        return { behind, total };
      } finally {
        await admin.disconnect();
      }
    })();
    const midCopy = !atKill.progress!.caughtUp && committedAtKill.behind > 0;
    console.log(
      `copier pid ${first.pid} SIGKILLed ${(killedAfterMs / 1000).toFixed(1)} s after start, ` +
        `${midCopy ? 'mid-copy' : 'NOT mid-copy (the copy was too fast to catch)'}: its status file said ` +
        `${atKill.progress!.copied} of ${acmeTotal} copied in ${atKill.progress!.transactions} transaction(s), ` +
        `state ${atKill.state}; its committed offsets leave ${committedAtKill.behind} of ${committedAtKill.total} ` +
        `source partitions not fully copied; per partition consumed/end (status file): ` +
        atKill.progress!.partitions.map((p) => `${p.topic}[${p.partition}] ${p.consumed}/${p.end}`).join(', '),
    );
    await until(
      'the killed copier to be gone',
      async () => {
        try {
          process.kill(first.pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      10_000,
      50,
    );
    const second = JSON.parse(
      expectOk('migrate start (again)', await cli(['migrate', 'acme', 'start', '--json'])).stdout,
    ) as { pid: number; alreadyRunning: boolean };
    expect(second.alreadyRunning).toBe(false);
    expect(second.pid).not.toBe(first.pid);
    const restartedAt = Date.now();
    const firstCommit = await until(
      'the restarted copier to commit',
      async () => {
        const s = copierStatus();
        return s?.pid === second.pid && (s.progress?.transactions ?? 0) > 0 ? Date.now() : undefined;
      },
      120_000,
      20,
    );
    // the moment from the status file (polled often), then what `migrate acme status` says
    await until(
      'the copier to catch up',
      async () => {
        const s = copierStatus();
        return s?.pid === second.pid && s.progress?.caughtUp ? true : undefined;
      },
      300_000,
      20,
    );
    const caughtUpAt = Date.now();
    const copySeconds = (caughtUpAt - t0Copy) / 1000;
    const caughtUp = await until(
      '`migrate acme status` to say caught up',
      async () => {
        const r = await cli(['migrate', 'acme', 'status', '--json'], 60_000);
        const s = JSON.parse(r.stdout) as { running: boolean; copier?: CopierStatus };
        return s.running && s.copier?.pid === second.pid && s.copier.progress?.caughtUp ? s.copier : undefined;
      },
      60_000,
      500,
    );
    const text = expectOk('migrate status', await cli(['migrate', 'acme', 'status']));
    console.log(
      `copy: ${acmeTotal} acme records (of ${acmeTotal + globexTotal} in the shared topics) caught up ` +
        `${copySeconds.toFixed(1)} s after the first start, kill and restart included; the restarted copier copied ` +
        `${caughtUp.progress!.copied}, passed over ${caughtUp.progress!.skipped} of globex, in ` +
        `${caughtUp.progress!.transactions} transaction(s) between ${caughtUp.progress!.startedAt} and ` +
        `${caughtUp.progress!.updatedAt}; its first commit came ${((firstCommit - restartedAt) / 1000).toFixed(1)} s ` +
        `after its start\n${text.stdout}`,
    );
    expect(caughtUp.progress!.suspicious).toBe(0);
    await verify('copying');

    // 3. cutover: acme's writes on the shared topics refused, the copy drained and proven
    writeAcme('cutover');
    expectOk('deploy (cutover)', await cli(['deploy']));
    const writesRefused = Date.now();
    const cutover = expectOk('migrate cutover', await cli(['migrate', 'acme', 'cutover']));
    console.log(`migrate cutover:\n${cutover.stdout}${tail(cutover.stderr, 8)}`);
    expect(cutover.stdout).toMatch(/records compared.*counts, sha256 and per-key order equal/s);
    await verify('cutover');

    // 4. done: acme on its own topics
    writeAcme('done');
    expectOk('deploy (done)', await cli(['deploy']));
    const pauseSeconds = (Date.now() - writesRefused) / 1000;
    await verify('done');

    const acmeTopics = ACME_TOPICS.map((t) => `acme.${t.name}`);
    const raw = await readTopicRecords(adminKafka(), acmeTopics);
    expect(raw.map((p) => `${p.topic}[${p.partition}]`).sort()).toEqual(
      ACME_TOPICS.flatMap((t) => Array.from({ length: t.partitions }, (_, i) => `acme.${t.name}[${i}]`)).sort(),
    );
    // verify's marker records (written as acme's users, no tenant-id header) aside, every record there is acme's
    const foreign = raw.flatMap((p) =>
      p.records.filter((r) => !isVerification(r.headers) && headerText(r.headers, HEADERS.tenantId) !== 'acme'),
    );
    expect(foreign).toHaveLength(0);
    const ends = new Map(raw.map((p) => [`${p.topic}[${p.partition}]`, p.records.at(-1)?.offset]));

    // acme's own consumer reads every record it wrote, decrypted with its key
    const seen: ConsumedRecord[] = [];
    const rejected: string[] = [];
    const reader = new TenantConsumer({
      tenant: tenantOf('acme'),
      group: 'reader',
      kafka: userKafka('acme.reader'),
      keyProvider: keys,
      partitionMap,
      acceptedOrigins: Object.fromEntries(SHARED.map((n) => [`acme.${n}`, [sharedTopic(n)]])),
      onRejected: (e: RecordRejection, c) => void rejected.push(`${e.code} ${c.topic}[${c.partition}]@${c.offset}`),
    });
    const position = new Map<string, string>();
    reader.consumer.on(reader.consumer.events.END_BATCH_PROCESS, (e) =>
      position.set(`${e.payload.topic}[${e.payload.partition}]`, e.payload.lastOffset),
    );
    await withDeadline(reader.connect(), 30_000, 'acme.reader connect');
    try {
      await reader.subscribe(acmeTopics, { fromBeginning: true });
      await reader.run(async (r) => void seen.push(r));
      await until(
        'acme.reader to reach the end of its topics',
        async () =>
          [...ends].every(([k, last]) => last === undefined || BigInt(position.get(k) ?? -1) >= BigInt(last))
            ? true
            : undefined,
        180_000,
        200,
      );
    } finally {
      await reader.disconnect();
    }
    const metrics = reader.metrics();
    console.log(
      `acme.reader: ${metrics.accepted} accepted, ${metrics.skippedVerification} verification records skipped, ` +
        `rejected ${JSON.stringify(metrics.rejected)}`,
    );
    expect(rejected).toEqual([]);
    expect(seen).toHaveLength(acmeTotal);
    expect(seen.every((r) => r.tenantId === 'acme' && r.encrypted)).toBe(true);
    const readByKey = new Map<string, string[]>();
    const originByKey = new Map<string, string[]>();
    for (const r of seen) {
      const origin = headerText(r.headers, HEADERS.originTopic)!;
      expect(origin).toBe(sharedTopic(r.topic.slice('acme.'.length)));
      const payload = JSON.parse(r.value!.toString('utf8')) as Payload;
      expect(payload.tenant).toBe('acme');
      const k = `${origin}\u0000${r.aggregateId}`;
      readByKey.set(k, [...(readByKey.get(k) ?? []), r.value!.toString('utf8')]);
      const ok = `${origin}\u0000${r.key}`;
      originByKey.set(ok, [...(originByKey.get(ok) ?? []), headerText(r.headers, HEADERS.originOffset)!]);
    }
    // the same plaintexts per key in the order acme sent them, at the source coordinates in source order
    expect(readByKey).toEqual(sentByAcme);
    expect(originByKey).toEqual(sourceOrder);

    // the shared topics: every record that was there before the move is there, byte for byte (globex's included)
    const after = await readTopicRecords(adminKafka(), sharedNames);
    const was = fingerprints(before);
    const is = fingerprints(after);
    for (const [where, prints] of was) expect(is.get(where)!.slice(0, prints.length)).toEqual(prints);
    const globexAfter = countOf(after, 'globex');
    expect(globexAfter).toBe(globexTotal);
    const added = after.reduce((n, p) => n + p.records.length, 0) - before.reduce((n, p) => n + p.records.length, 0);

    console.log(
      [
        `figures:`,
        `  copy: ${acmeTotal} records in ${copySeconds.toFixed(1)} s from the first start to caught up ` +
          `(${Math.round(acmeTotal / copySeconds)} records/s, SIGKILL and restart included)`,
        `  killed ${midCopy ? 'mid-copy' : 'NOT mid-copy'} ${(killedAfterMs / 1000).toFixed(1)} s after start at ` +
          `${atKill.progress!.copied}/${acmeTotal} copied (status file; ` +
          `${Math.round(atKill.progress!.copied / (killedAfterMs / 1000))} records/s incl. process start)`,
        `  the restarted copier committed first ${((firstCommit - restartedAt) / 1000).toFixed(1)} s after its start ` +
          `(it joins the copier group the killed member still holds until its session times out), and caught up ` +
          `${((caughtUpAt - firstCommit) / 1000).toFixed(2)} s after that first commit, ${caughtUp.progress!.copied} ` +
          `records copied in all (~${Math.round(caughtUp.progress!.copied / Math.max(0.001, (caughtUpAt - firstCommit) / 1000))} ` +
          `records/s once in the group; status file polled every 20 ms)`,
        `  cutover pause (cutover deploy finished → done deploy finished): ${pauseSeconds.toFixed(1)} s`,
        `  shared topics: ${before.reduce((n, p) => n + p.records.length, 0)} records before the move unchanged, ` +
          `${added} written since (verification records), ${globexAfter} of globex`,
      ].join('\n'),
    );
  });
});
