/**
 * Tier migration, the copy (issue 14): MirrorMaker 2 copies one tenant's topics from a shared cluster to a
 * dedicated one, exactly once across a crash, and the tenant's consumer group continues on the target at exactly
 * the record it would have read next on the source.
 *
 * Two throwaway single-broker clusters of this test's own: `shared` (SASL_PLAINTEXT, 18592/18593) and `dedicated`
 * (SASL_SSL with the harness's local CA, as the real local dedicated cluster, 18692/18693); MirrorMaker's internal
 * REST on 18792.
 *
 *   GIVEN acme's three topics on both clusters (the target's pre-created, as terraform does) holding 10,000
 *         committed records on the source (keyed, with headers, in three compressions, one committed and one
 *         aborted transaction), globex.orders on the source only, and group acme.billing 1,234 records into
 *         acme.orders
 *   WHEN  MirrorMaker copies, is SIGKILLed mid-copy and restarted
 *   THEN  per partition, count and sha256 of the committed records agree (nothing lost, nothing duplicated),
 *         globex.orders is not on the target, and acme.billing, moved with the exact translation, reads first on
 *         the target exactly the record it would have read next on the source.
 *   NEGATIVE CONTROL one record added to a target partition makes compareDigests name that partition.
 *
 * Figures are printed; no wall-clock threshold decides anything.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { kafkaClient } from '../../src/kafka/client';
import { withDeadline } from '../../src/kafka/deadline';
import { down, reset, up } from '../../src/local/cluster';
import {
  compareDigests,
  partitionDigests,
  recordEncoding,
  scanPartitions,
  type TopicDigest,
} from '../../src/migration/digest';
import {
  isMirrorMakerRunning,
  killMirrorMaker,
  mirrorMakerLogTail,
  startMirrorMaker,
  stopMirrorMaker,
} from '../../src/migration/mirror-maker';
import {
  applyGroupOffsets,
  type ClusterAccess,
  mirrorStatus,
  translateGroupOffsets,
} from '../../src/migration/offsets';
import { loadEnvironment, type Environment } from '../../src/model/environment';
import { clusterEndpoint } from '../../src/platform/connection';
import { adminCredentials } from '../../src/platform/identities';
import { secretSourceFor, type SecretSource } from '../../src/secrets';
import { savedLocalDirs } from './support';

jest.setTimeout(1_200_000);

const ENV = 'migration-mirror';
const REST_PORT = 18792;
const TOPICS = { 'acme.orders': 6, 'acme.invoices': 3, 'acme.events': 1 } as const;
const TENANT_TOPICS = Object.keys(TOPICS);
const GROUP = 'acme.billing';
/** acme.billing's committed offsets on acme.orders (1,234 records consumed). */
const BILLING_OFFSETS = [300, 200, 250, 184, 150, 150];
const TOTAL = 10_000;
/** What our client can produce (src/kafka/codecs.ts reads lz4/zstd, never writes them). */
const COMPRESSIONS = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const figures: string[] = [];
const note = (s: string) => {
  figures.push(s);
  console.log(`[migration-mirror] ${s}`);
};

/** The local environment reduced to two single-broker clusters on this test's ports. */
function writeEnvironment(root: string): void {
  const repoRoot = path.join(__dirname, '..', '..');
  const local = parseYaml(fs.readFileSync(path.join(repoRoot, 'environments', 'local.yaml'), 'utf8')) as {
    clusters: Record<string, { local: Record<string, unknown> } & Record<string, unknown>>;
  } & Record<string, unknown>;
  const { shared, dedicated } = local.clusters as Record<
    string,
    { local: Record<string, unknown> } & Record<string, unknown>
  >;
  const doc = {
    ...local,
    name: ENV,
    sharedCluster: 'shared',
    clusters: {
      shared: {
        ...shared,
        bootstrapServers: ['127.0.0.1:18592'],
        local: { ...shared!.local, clientPort: 18592, controllerPort: 18593, heapMb: 384 },
      },
      dedicated: {
        ...dedicated,
        bootstrapServers: ['127.0.0.1:18692'],
        local: { ...dedicated!.local, clientPort: 18692, controllerPort: 18693, heapMb: 384 },
      },
    },
  };
  fs.mkdirSync(path.join(root, 'environments'), { recursive: true });
  fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
  fs.writeFileSync(path.join(root, 'environments', `${ENV}.yaml`), stringifyYaml(doc));
}

describe('tier migration: MirrorMaker 2 copy, exactly once, exact group offsets', () => {
  const saved = savedLocalDirs();
  let root: string;
  let env: Environment;
  let secrets: SecretSource;
  let source: ClusterAccess;
  let target: ClusterAccess;
  let src: Kafka;
  let dst: Kafka;
  let mm2Dir: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-migration-'));
    writeEnvironment(root);
    process.env.KAFKA_TENANCY_LOCAL_DIR = path.join(root, '.local');
    process.env.KAFKA_TENANCY_STATE_DIR = path.join(root, '.local', 'state');
    env = loadEnvironment(ENV, root);
    await reset(env);
    await up(env);
    secrets = secretSourceFor(env);
    source = { endpoint: clusterEndpoint(env, 'shared', secrets), creds: adminCredentials(secrets, 'shared') };
    target = { endpoint: clusterEndpoint(env, 'dedicated', secrets), creds: adminCredentials(secrets, 'dedicated') };
    expect('tls' in target.endpoint && target.endpoint.tls).toBeTruthy(); // the target speaks SASL_SSL
    src = kafkaClient(source.endpoint, source.creds, { clientId: 'migration-test' });
    dst = kafkaClient(target.endpoint, target.creds, { clientId: 'migration-test' });
    mm2Dir = path.join(root, '.local', 'migrations', ENV, 'acme');
  });

  afterAll(async () => {
    if (mm2Dir) await withDeadline(stopMirrorMaker(mm2Dir), 60_000, 'stopping MirrorMaker').catch(() => undefined);
    if (env) await withDeadline(down(env), 120_000, 'stopping the clusters').catch(() => undefined);
    saved.restore();
    // KT_KEEP_TMP=1 keeps the clusters' and MirrorMaker's logs for a post-mortem
    if (root && !process.env.KT_KEEP_TMP) fs.rmSync(root, { recursive: true, force: true });
    if (figures.length) console.log(`[migration-mirror] summary\n  ${figures.join('\n  ')}`);
  });

  async function admin<T>(kafka: Kafka, work: (a: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const a = kafka.admin();
    try {
      await a.connect();
      return await withDeadline(work(a), 60_000, 'admin request');
    } finally {
      await a.disconnect().catch(() => undefined);
    }
  }

  async function endsSum(kafka: Kafka): Promise<number> {
    let sum = 0;
    await admin(kafka, async (a) => {
      for (const t of TENANT_TOPICS) for (const o of await a.fetchTopicOffsets(t)) sum += Number(o.high);
    });
    return sum;
  }

  async function digests(access: ClusterAccess, topics = TENANT_TOPICS): Promise<TopicDigest[]> {
    const out: TopicDigest[] = [];
    for (const topic of topics)
      out.push({ topic, partitions: await partitionDigests(access.endpoint, access.creds, topic) });
    return out;
  }

  it('copies exactly once across a SIGKILL and moves the group to the exact record', async () => {
    // GIVEN: topics on both clusters (target ones first, as terraform would; append time there, so that the
    // target's record timestamps say when MirrorMaker wrote them)
    await admin(src, (a) =>
      a.createTopics({
        waitForLeaders: true,
        topics: [
          ...Object.entries(TOPICS).map(([topic, numPartitions]) => ({ topic, numPartitions, replicationFactor: 1 })),
          { topic: 'globex.orders', numPartitions: 3, replicationFactor: 1 },
        ],
      }),
    );
    await admin(dst, (a) =>
      a.createTopics({
        waitForLeaders: true,
        topics: Object.entries(TOPICS).map(([topic, numPartitions]) => ({
          topic,
          numPartitions,
          replicationFactor: 1,
          configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
        })),
      }),
    );

    // 10,000 committed records: keyed, headers (one repeated), some null values, three compressions
    const producer = src.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const perTopic: Record<string, number> = { 'acme.orders': 6000, 'acme.invoices': 2900, 'acme.events': 1000 };
    let batchNo = 0;
    for (const [topic, n] of Object.entries(perTopic)) {
      for (let i = 0; i < n; i += 250) {
        const messages = Array.from({ length: Math.min(250, n - i) }, (_, j) => {
          const seq = i + j;
          return {
            key: `${topic}-k${seq % 997}`,
            value: seq % 101 === 0 ? null : `${topic} #${seq} ${'x'.repeat(seq % 64)}`,
            headers: {
              'trace-id': `t-${topic}-${seq}`,
              seq: String(seq),
              ...(seq % 7 === 0 ? { tag: ['a', 'b'] } : {}),
            },
          };
        });
        await producer.send({ topic, messages, compression: COMPRESSIONS[batchNo++ % COMPRESSIONS.length] });
      }
    }
    await producer.send({
      topic: 'globex.orders',
      messages: Array.from({ length: 500 }, (_, i) => ({ key: `g${i}`, value: `globex #${i}` })),
    });
    await producer.disconnect();
    // transactions on the source: 50 aborted records (never copied), then 100 committed
    const tx = src.producer({ transactionalId: `migration-test-tx`, idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    const aborted = await tx.transaction();
    await aborted.send({
      topic: 'acme.invoices',
      messages: Array.from({ length: 50 }, (_, i) => ({ key: `ab${i}`, value: `aborted ${i}` })),
    });
    await aborted.abort();
    const commit = await tx.transaction();
    await commit.send({
      topic: 'acme.invoices',
      messages: Array.from({ length: 100 }, (_, i) => ({
        key: `tx${i}`,
        value: `committed ${i}`,
        headers: { tx: 'yes' },
      })),
    });
    await commit.commit();
    await tx.disconnect();
    await admin(src, (a) =>
      a.setOffsets({
        groupId: GROUP,
        topic: 'acme.orders',
        partitions: BILLING_OFFSETS.map((offset, partition) => ({ partition, offset: String(offset) })),
      }),
    );
    const sourceDigests = await digests(source);
    const sourceCount = sourceDigests.flatMap((t) => t.partitions).reduce((s, p) => s + p.count, 0);
    expect(sourceCount).toBe(TOTAL);

    // WHEN: MirrorMaker copies, throttled (10 records a transaction) so that a kill lands mid-copy
    const start = {
      env,
      secrets,
      tenant: 'acme',
      sourceCluster: 'shared',
      targetCluster: 'dedicated',
      topics: TENANT_TOPICS,
      groupPrefix: 'acme.',
      dir: mm2Dir,
      restPort: REST_PORT,
      readyTimeoutMs: Number(process.env.KT_MM2_READY_MS ?? 180_000),
      log: (m: string) => console.log(`[migration-mirror] ${m}`),
    };
    const t0 = Date.now();
    const first = await startMirrorMaker({ ...start, extraProperties: { 'source.consumer.max.poll.records': '10' } });
    expect(first.alreadyRunning).toBe(false);
    note(`first start: connectors running after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // exactly once in force: the source task writes with a transactional producer of this tenant's group
    expect(fs.readFileSync(first.files.logFile, 'utf8')).toMatch(/transactionalId=mm2-acme-MirrorSourceConnector-0\]/);
    const again = await startMirrorMaker(start);
    expect(again).toMatchObject({ alreadyRunning: true, pid: first.pid });
    expect(fs.statSync(path.join(mm2Dir, 'mm2.properties')).mode & 0o777).toBe(0o600);

    let atKill = -1;
    for (let i = 0; i < 1200 && atKill < 0; i++) {
      const sum = await endsSum(dst);
      if (sum >= 500 && sum < TOTAL) atKill = sum;
      else if (sum >= TOTAL) break;
      else await sleep(100);
    }
    if (atKill < 0)
      throw new Error(
        `no mid-copy moment seen (target end offsets: ${await endsSum(dst)}). Log:\n${mirrorMakerLogTail(mm2Dir)}`,
      );
    expect(await killMirrorMaker(mm2Dir)).toBe(true);
    expect(isMirrorMakerRunning(mm2Dir)).toBe(false);
    const killedAt = Date.now();
    note(`SIGKILL mid-copy: target end offsets summed ${atKill} of ${TOTAL} records`);

    const restartAt = Date.now();
    const second = await startMirrorMaker(start);
    expect(second.alreadyRunning).toBe(false);
    note(
      `restart: connectors running ${((Date.now() - restartAt) / 1000).toFixed(1)} s after start (${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill)`,
    );

    let status = await mirrorStatus({ source, target, tenant: 'acme', topics: TENANT_TOPICS, groupPrefix: 'acme.' });
    for (let i = 0; i < 120 && !status.caughtUp; i++) {
      await sleep(2000);
      status = await mirrorStatus({ source, target, tenant: 'acme', topics: TENANT_TOPICS, groupPrefix: 'acme.' });
    }
    if (!status.caughtUp)
      throw new Error(`copy did not catch up: ${JSON.stringify(status.partitions)}\n${mirrorMakerLogTail(mm2Dir)}`);
    const invoices = status.partitions.filter((p) => p.topic === 'acme.invoices');
    note(
      `caught up ${((Date.now() - restartAt) / 1000).toFixed(1)} s after the restart; acme.invoices lag in offsets ` +
        `${invoices.map((p) => p.lagOffsets).join('/')} (source commit markers), in records ${invoices.map((p) => p.lagRecords).join('/')}`,
    );

    // THEN: the same committed records per partition, none lost, none duplicated
    const targetDigests = await digests(target);
    expect(compareDigests(sourceDigests, targetDigests)).toEqual([]);
    const targetEnds = targetDigests.flatMap((t) => t.partitions).reduce((s, p) => s + p.endOffset, 0);
    note(
      `digests equal on ${sourceDigests.flatMap((t) => t.partitions).length} partitions: ${TOTAL} records both sides; target ` +
        `end offsets sum ${targetEnds} (+${targetEnds - TOTAL}: MirrorMaker's commit markers and the records of the transaction aborted by the kill)`,
    );
    const targetTopics = await admin(dst, (a) => a.listTopics());
    expect(targetTopics).not.toContain('globex.orders');
    note(
      `target topics: ${targetTopics
        .filter((t) => !t.startsWith('__'))
        .sort()
        .join(', ')}`,
    );

    // copy rate from the target's append times: first to last record of the restarted run
    const times: number[] = [];
    for (const topic of TENANT_TOPICS) {
      const bounds = await admin(dst, (a) => a.fetchTopicOffsets(topic));
      await scanPartitions(
        dst,
        topic,
        new Map(bounds.map((b) => [b.partition, { from: Number(b.low), until: Number(b.high) }])),
        (r) => times.push(r.timestamp),
      );
    }
    const after = times.filter((t) => t >= restartAt).sort((a, b) => a - b);
    const all = [...times].sort((a, b) => a - b);
    if (after.length > 1) {
      const secs = (after[after.length - 1]! - after[0]!) / 1000;
      note(
        `copy rate after the restart (unthrottled): ${after.length} records in ${secs.toFixed(2)} s = ${Math.round(after.length / Math.max(secs, 0.001))} records/s`,
      );
    }
    note(
      `first to last target record overall (throttled run, kill, restart): ${((all[all.length - 1]! - all[0]!) / 1000).toFixed(1)} s`,
    );

    // MirrorMaker's own offset sync for the group (its conservative translation), for comparison
    let synced = new Map<number, number>();
    for (let i = 0; i < 20; i++) {
      const res = await admin(dst, (a) => a.fetchOffsets({ groupId: GROUP, topics: ['acme.orders'] }));
      synced = new Map(
        res[0]!.partitions.filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]),
      );
      if (synced.size === BILLING_OFFSETS.length) break;
      await sleep(1000);
    }
    expect(await stopMirrorMaker(mm2Dir)).not.toBe('not-running');
    expect(await stopMirrorMaker(mm2Dir)).toBe('not-running');

    const exact = await translateGroupOffsets({ source, target, group: GROUP, topics: ['acme.orders'] });
    expect(exact.map((o) => o.sourceOffset)).toEqual(BILLING_OFFSETS);
    note(
      `acme.billing on acme.orders, partition: source → exact target (MirrorMaker's sync): ` +
        exact
          .map((o) => `${o.partition}: ${o.sourceOffset} → ${o.targetOffset} (${o.mm2TargetOffset ?? 'none'})`)
          .join(', '),
    );
    for (const o of exact) {
      expect(o.recordsBefore).toBe(o.sourceOffset); // acme.orders has no markers on the source
      if (o.mm2TargetOffset !== undefined) expect(o.mm2TargetOffset).toBeLessThanOrEqual(o.targetOffset);
    }
    await admin(dst, (a) => applyGroupOffsets(a, GROUP, exact));

    // the group's first record per partition on the target = the source's record at its committed offset
    const expected = new Map<number, Buffer>();
    await scanPartitions(
      src,
      'acme.orders',
      new Map(BILLING_OFFSETS.map((offset, partition) => [partition, { from: offset, until: offset + 1 }])),
      (r) => expected.set(r.partition, recordEncoding(r.key, r.value, r.headers)),
    );
    const firsts = new Map<number, Buffer>();
    const consumer = dst.consumer({ groupId: GROUP, readUncommitted: false });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: 'acme.orders', fromBeginning: false });
      let allSeen: () => void = () => undefined;
      const seen = new Promise<void>((r) => (allSeen = r));
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (!firsts.has(partition))
            firsts.set(partition, recordEncoding(message.key ?? null, message.value ?? null, message.headers ?? {}));
          if (firsts.size === BILLING_OFFSETS.length) allSeen();
        },
      });
      await withDeadline(seen, 120_000, 'the first record of every partition on the target');
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    for (let p = 0; p < BILLING_OFFSETS.length; p++)
      expect([p, firsts.get(p)?.toString('hex')]).toEqual([p, expected.get(p)?.toString('hex')]);
    note(
      `acme.billing on the target read first, on all ${BILLING_OFFSETS.length} partitions, the record the source group would have read next`,
    );

    // NEGATIVE CONTROL: one extra record on a target partition is found
    const extra = dst.producer();
    await extra.connect();
    await extra.send({
      topic: 'acme.events',
      messages: [{ key: 'tamper', value: 'not from the source', partition: 0 }],
    });
    await extra.disconnect();
    const tampered = await digests(target, ['acme.events']);
    const found = compareDigests(
      sourceDigests.filter((t) => t.topic === 'acme.events'),
      tampered,
    );
    expect(found.map((m) => [m.topic, m.partition, m.problem])).toEqual([['acme.events', 0, 'count']]);
    note(`negative control: ${found[0]!.message}`);
  });
});
