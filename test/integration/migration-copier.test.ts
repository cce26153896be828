/**
 * Issue 14, shared → topic-per-tenant: the copier (src/migration/copier.ts) on a real broker, as the process the CLI
 * starts (dist/src/migration/copier-main.js; `npm run build` first), killed mid-copy and restarted.
 *
 * On a throwaway single-broker cluster of its own (ports 18892/18893): the admin creates `shared.orders.placed` (6
 * partitions) and `shared.orders.shipped` (3), and acme's targets with other partition counts (4 and 2: keys are
 * re-partitioned, and per-key order must survive). acme, globex and initech write interleaved encrypted records
 * through TenantProducer; a few forged records (key of acme, header of globex; no header) must never be copied.
 *
 * GIVEN the copier in follow mode, SIGKILLed once it has committed part of the copy, WHEN it is restarted, runs until
 * caught up and is stopped with SIGTERM, and a final in-process drain (`until-caught-up`) copies the last records,
 * THEN read_committed the targets hold exactly acme's records, once each, in per-key order, each decrypting with
 * acme's key through TenantConsumer with acceptedOrigins (and rejected without the declaration); the shared topics are
 * unchanged; `compareCopiedRecords` agrees, and reports a duplicate planted afterwards (negative control).
 * Figures (copy throughput, restarts) are printed; no wall-clock threshold decides anything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Kafka } from 'kafkajs';
import { type ClientCredentials, type ClusterEndpoint, kafkaClient } from '../../src/kafka/client';
import { withDeadline } from '../../src/kafka/deadline';
import { down } from '../../src/local/cluster';
import { type CopyRoute, copyTenantRecords } from '../../src/migration/copier';
import {
  type PartitionRecords,
  compareCopiedRecords,
  readTopicRecords,
  recordFingerprint,
} from '../../src/migration/copy-check';
import type { CopierStatus } from '../../src/migration/copier-main';
import type { Environment } from '../../src/model/environment';
import { clusterEndpoint } from '../../src/platform/connection';
import { adminCredentials } from '../../src/platform/identities';
import {
  type ConsumedRecord,
  LocalKeyring,
  PartitionMapIndex,
  TenantConsumer,
  TenantProducer,
  type TenantRecord,
  singleHeader,
} from '../../src/sdk';
import { secretSourceFor } from '../../src/secrets';
import { savedLocalDirs, startThrowawayCluster, suffix } from './support';

jest.setTimeout(900_000);

const CLIENT_PORT = 18892;
const CONTROLLER_PORT = 18893;
const ENV = 'copiertest';
const CLUSTER = 'shared';
const PLACED = 'shared.orders.placed';
const SHIPPED = 'shared.orders.shipped';
const ROUTES: CopyRoute[] = [
  { source: PLACED, target: 'acme.orders.placed', targetPartitions: 4 },
  { source: SHIPPED, target: 'acme.orders.shipped', targetPartitions: 2 },
];
const ACCEPTED = { 'acme.orders.placed': [PLACED], 'acme.orders.shipped': [SHIPPED] };
const TENANTS = { acme: 120, globex: 60, initech: 60 } as const;
const ROUNDS = 30;
const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'migration', 'copier-main.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `read` until `done` holds (bounded by `timeoutMs`); the last value read. */
async function pollUntil<T>(what: string, read: () => T, done: (v: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function exitOf(child: ChildProcess, timeoutMs = 60_000): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return withDeadline(
    new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))),
    timeoutMs,
    'the copier process to exit',
  );
}

/** Per partition, the fingerprints of every record (the shared topics' "untouched" evidence). */
const fingerprints = (parts: PartitionRecords[]) =>
  new Map(parts.map((p) => [`${p.topic}[${p.partition}]`, p.records.map((r) => recordFingerprint(r) + r.offset)]));

describe('shared → topic-per-tenant copier (issue 14)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-copier-'));
  const root = path.join(work, 'project');
  const statusDir = path.join(work, 'status');
  const saved = savedLocalDirs();
  const run = suffix();
  const children: ChildProcess[] = [];
  const zombies: { disconnect(): Promise<void> }[] = [];
  let env: Environment | undefined;
  let endpoint: ClusterEndpoint;
  let creds: ClientCredentials;
  let kafka: Kafka;
  const keys = LocalKeyring.inMemory(Object.keys(TENANTS));
  const partitionMap = new PartitionMapIndex({
    version: 1,
    environment: ENV,
    topics: { [PLACED]: { partitions: 6, dedicated: {} }, [SHIPPED]: { partitions: 3, dedicated: {} } },
  });
  const producers = new Map<string, TenantProducer>();
  /** Records written per tenant, and per (topic, aggregate) the next sequence number. */
  const written = new Map<string, number>(Object.keys(TENANTS).map((t) => [t, 0]));
  const seq = new Map<string, number>();

  /** `count` records of `tenant` per key of `keysOf`, interleaved by tenant in chunks. */
  const produce = async (perTenant: Record<string, number>, rounds: number) => {
    for (let round = 0; round < rounds; round++) {
      const batches = Object.entries(perTenant).map(([tenant, nKeys]) => {
        const records: TenantRecord[] = [];
        for (let k = 0; k < nKeys; k++) {
          const aggregateId = `${run}-${tenant}-${k}`;
          // every key writes placed; every third key also shipped
          for (const topic of k % 3 === 0 ? [PLACED, SHIPPED] : [PLACED]) {
            const id = `${topic}/${aggregateId}`;
            const n = seq.get(id) ?? 0;
            seq.set(id, n + 1);
            records.push({ topic, aggregateId, eventType: 'order.placed', value: JSON.stringify({ id, n }) });
          }
        }
        return { tenant, records };
      });
      for (let at = 0; batches.some((b) => at < b.records.length); at += 50) {
        for (const { tenant, records } of batches) {
          const chunk = records.slice(at, at + 50);
          if (chunk.length === 0) continue;
          await producers.get(tenant)!.sendBatch(chunk);
          written.set(tenant, written.get(tenant)! + chunk.length);
        }
      }
    }
  };

  /** Raw records a producer that bypasses the SDK could write: they must be counted suspicious, never copied. */
  const forge = async (label: string) => {
    const raw = kafka.producer();
    await raw.connect();
    try {
      const messages = [0, 1, 2].map((i) => ({
        key: `acme:${run}-forged-${label}-${i}`,
        value: 'forged',
        headers: { 'tenant-id': 'globex', 'event-type': 'order.placed' },
      }));
      messages.push({
        key: `acme:${run}-forged-${label}-nohdr`,
        value: 'forged',
        headers: { 'event-type': 'x' } as never,
      });
      await raw.send({ topic: PLACED, messages });
      return messages.length;
    } finally {
      await raw.disconnect();
    }
  };

  const startCopier = (mode: 'follow' | 'until-caught-up' = 'follow') => {
    const config = {
      environment: ENV,
      projectRoot: root,
      tenant: 'acme',
      cluster: CLUSTER,
      routes: ROUTES,
      mode,
      statusDir,
      // small fetches: many small transactions, so the kill lands mid-copy
      maxBytesPerPartition: 8192,
    };
    const file = path.join(work, 'copier.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const child = spawn(process.execPath, [MAIN, file], { env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    children.push(child);
    return { child, stderr: () => stderr };
  };

  const status = (): CopierStatus | undefined => {
    try {
      return JSON.parse(fs.readFileSync(path.join(statusDir, 'copier-status.json'), 'utf8')) as CopierStatus;
    } catch {
      return undefined;
    }
  };

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before this test`);
    env = await startThrowawayCluster(root, {
      name: ENV,
      clientPort: CLIENT_PORT,
      controllerPort: CONTROLLER_PORT,
      cluster: CLUSTER,
      localDir: path.join(work, '.local'),
      stateDir: path.join(work, 'state'),
    });
    const secrets = secretSourceFor(env);
    endpoint = clusterEndpoint(env, CLUSTER, secrets);
    creds = adminCredentials(secrets, CLUSTER);
    kafka = kafkaClient(endpoint, creds, { clientId: 'it-copier' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: PLACED, numPartitions: 6, replicationFactor: 1 },
          { topic: SHIPPED, numPartitions: 3, replicationFactor: 1 },
          ...ROUTES.map((r) => ({ topic: r.target, numPartitions: r.targetPartitions, replicationFactor: 1 })),
        ],
      });
    } finally {
      await admin.disconnect();
    }
    for (const tenant of Object.keys(TENANTS)) {
      const p = new TenantProducer({
        tenant: { id: tenant, encryption: true },
        kafka,
        keyProvider: keys,
        partitionMap,
      });
      await p.connect();
      producers.set(tenant, p);
    }
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const p of producers.values()) await p.disconnect().catch(() => undefined);
    for (const z of zombies) await z.disconnect().catch(() => undefined);
    if (env) await down(env);
    saved.restore();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('copies exactly acme’s records once, in per-key order, across a SIGKILL and a restart', async () => {
    // GIVEN interleaved encrypted records of three tenants, and forged ones
    await produce(TENANTS, ROUNDS);
    const forgedBefore = await forge('pre');
    const sharedBefore = fingerprints(await readTopicRecords(kafka, [PLACED, SHIPPED]));
    const acmeTotal = () => written.get('acme')!;
    console.log(`produced: ${[...written].map(([t, n]) => `${t} ${n}`).join(', ')}; forged ${forgedBefore} (pre-kill)`);

    // WHEN the copier runs and is killed once it has committed part of the copy
    const first = startCopier();
    const t0 = Date.now();
    const seen = await pollUntil(
      'the first copier to commit part of the copy',
      status,
      (s) => (s?.progress?.copied ?? 0) >= 500 || first.child.exitCode !== null,
    );
    expect(first.child.exitCode).toBeNull();
    expect(seen!.progress!.caughtUp).toBe(false);
    first.child.kill('SIGKILL');
    expect(await exitOf(first.child)).toBe('SIGKILL');
    const copiedBeforeKill = status()!.progress!.copied;
    console.log(`killed after ${copiedBeforeKill}/${acmeTotal()} copied (status file), ${Date.now() - t0} ms`);

    // forged records the second run must meet (the first never saw them)
    const forgedAfter = await forge('post');

    // A copier killed inside a transaction, made certain: a producer with the copier's transactional id leaves one
    // record in an open transaction (the SIGKILL above may or may not have landed inside one)
    const zombie = kafka.producer({
      transactionalId: 'platform.migration.acme',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    zombies.push(zombie);
    await zombie.connect();
    const open = await zombie.transaction();
    await open.send({
      topic: ROUTES[0]!.target,
      messages: [{ key: `acme:${run}-acme-0`, value: 'zombie', headers: { 'tenant-id': 'acme' } }],
    });
    // no commit, no abort: its process is "dead"

    // THEN a restart fences it, resumes and catches up
    fs.rmSync(path.join(statusDir, 'copier-status.json'), { force: true });
    const second = startCopier();
    const t1 = Date.now();
    const admin = kafka.admin();
    await admin.connect();
    const ends = new Map<string, string>();
    try {
      for (const topic of [PLACED, SHIPPED]) {
        for (const o of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}[${o.partition}]`, o.high);
      }
    } finally {
      await admin.disconnect();
    }
    let firstCommitAt: number | undefined;
    const caught = await pollUntil(
      'the restarted copier to catch up',
      status,
      (s) => {
        if (firstCommitAt === undefined && (s?.progress?.transactions ?? 0) > 0) firstCommitAt = Date.now();
        return (
          second.child.exitCode !== null ||
          (s?.progress?.partitions.length === ends.size &&
            s.progress.partitions.every((p) => BigInt(p.consumed) >= BigInt(ends.get(`${p.topic}[${p.partition}]`)!)))
        );
      },
      180_000,
    );
    expect(second.child.exitCode).toBeNull();
    const secondMs = Date.now() - t1;
    const steadyMs = Date.now() - (firstCommitAt ?? t1);
    second.child.kill('SIGTERM');
    expect(await exitOf(second.child)).toBe(0);
    const final = status()!;
    expect(final.state).toBe('stopped');
    expect(final.restarts).toBe(0);
    // the post-kill forgeries were met, reported by coordinates, never copied
    expect(final.progress!.suspicious).toBeGreaterThanOrEqual(forgedAfter);
    expect(final.progress!.suspiciousRecords.map((s) => s.reason)).toEqual(
      expect.arrayContaining(['header_key_mismatch', 'tenant_header_missing']),
    );
    expect(JSON.stringify(final)).not.toContain('forged-');
    console.log(
      `restart: copied ${caught!.progress!.copied} more in ${secondMs} ms ` +
        `(${Math.round((caught!.progress!.copied * 1000) / Math.max(1, secondMs))} records/s incl. start-up and group join, ` +
        `${Math.round((caught!.progress!.copied * 1000) / Math.max(1, steadyMs))} records/s from the first commit; 8 KiB fetches), ` +
        `${caught!.progress!.transactions} transactions, skipped ${caught!.progress!.skipped}, suspicious ${caught!.progress!.suspicious}; ` +
        `restarts: 1 (SIGKILL) + ${final.restarts} in-process`,
    );

    // AND a final drain (until-caught-up, in process) copies what came after
    await produce({ acme: 100, globex: 20 }, 10);
    const t2 = Date.now();
    const drained = await copyTenantRecords({
      endpoint,
      credentials: creds,
      tenantId: 'acme',
      routes: ROUTES,
      mode: 'until-caught-up',
    });
    expect(drained.state).toBe('caught-up');
    expect(drained.copied).toBe(10 * (100 + 34)); // 100 keys, 34 of them (k % 3 === 0) also write shipped
    const drainMs = Date.now() - t2;
    console.log(
      `drain (until-caught-up, default fetch size): ${drained.copied} records in ${drainMs} ms ` +
        `(${Math.round((drained.copied * 1000) / drainMs)} records/s incl. start-up), ${drained.transactions} transactions`,
    );

    // THEN read_committed, the targets hold exactly acme's records, once each
    const targets = await readTopicRecords(
      kafka,
      ROUTES.map((r) => r.target),
    );
    const copied = targets.flatMap((p) => p.records.map((r) => ({ ...r, topic: p.topic, partition: p.partition })));
    expect(copied).toHaveLength(acmeTotal());
    const origins = copied.map(
      (r) => `${singleHeader(r.headers, 'kt-origin-topic')}@${singleHeader(r.headers, 'kt-origin-offset')}`,
    );
    expect(new Set(origins).size).toBe(copied.length);
    expect(copied.every((r) => r.key!.toString().startsWith(`acme:${run}-acme-`))).toBe(true);

    // evidence of fencing: records the killed copier left in its open transaction were aborted, never committed
    const uncommitted = await readTopicRecords(
      kafka,
      ROUTES.map((r) => r.target),
      { readUncommitted: true },
    );
    const aborted = uncommitted.flatMap((p) => p.records).length - copied.length;
    console.log(`records of aborted transactions (the planted open one, and the killed copier's if any): ${aborted}`);
    expect(aborted).toBeGreaterThanOrEqual(1);
    expect(uncommitted.some((p) => p.records.some((r) => r.value?.toString() === 'zombie'))).toBe(true);
    expect(copied.some((r) => r.value?.toString() === 'zombie')).toBe(false);

    // every record decrypts with acme's key through TenantConsumer with the declared origins, in per-key order
    const opened: ConsumedRecord[] = [];
    const consumer = (acceptedOrigins: Record<string, string[]>) =>
      new TenantConsumer({
        tenant: { id: 'acme', encryption: true },
        kafka,
        group: `copier-check-${run}`,
        keyProvider: keys,
        acceptedOrigins,
        logger: { warn: () => undefined },
      });
    const declared = consumer(ACCEPTED);
    for (const r of copied) {
      await declared.handle(
        { topic: r.topic, partition: r.partition, message: { ...r, timestamp: '0', attributes: 0 } },
        async (rec) => {
          opened.push(rec);
        },
      );
    }
    expect(declared.metrics().rejected).toEqual({ tenant_mismatch: 0, unencrypted_record: 0, decryption_failed: 0 });
    expect(opened).toHaveLength(acmeTotal());
    const next = new Map<string, number>();
    for (const rec of opened) {
      const { id, n } = JSON.parse(rec.value!.toString()) as { id: string; n: number };
      expect(id).toBe(`${singleHeader(rec.headers, 'kt-origin-topic')}/${rec.aggregateId}`);
      expect(n).toBe(next.get(id) ?? 0);
      next.set(id, n + 1);
    }
    expect([...next.values()].reduce((a, b) => a + b, 0)).toBe(acmeTotal());

    // an undeclared origin is rejected (here: the origins swapped)
    const swapped = consumer({ 'acme.orders.placed': [SHIPPED], 'acme.orders.shipped': [PLACED] });
    const sample = copied.slice(0, 20);
    for (const r of sample) {
      await swapped.handle(
        { topic: r.topic, partition: r.partition, message: { ...r, timestamp: '0', attributes: 0 } },
        async () => {
          throw new Error('an undeclared origin must not reach the handler');
        },
      );
    }
    expect(swapped.metrics().rejected.decryption_failed).toBe(sample.length);

    // the shared topics are untouched: what was there before is there unchanged; other tenants' records intact
    const sharedAfterParts = await readTopicRecords(kafka, [PLACED, SHIPPED]);
    const sharedAfter = fingerprints(sharedAfterParts);
    for (const [p, before] of sharedBefore) expect(sharedAfter.get(p)!.slice(0, before.length)).toEqual(before);
    const perTenant = new Map<string, number>();
    for (const r of sharedAfterParts.flatMap((p) => p.records)) {
      const t = singleHeader(r.headers, 'tenant-id');
      if (typeof t === 'string' && r.value?.toString() !== 'forged') perTenant.set(t, (perTenant.get(t) ?? 0) + 1);
    }
    expect(Object.fromEntries(perTenant)).toEqual(Object.fromEntries(written));

    // and the check agrees
    const check = await compareCopiedRecords({ endpoint, credentials: creds, tenantId: 'acme', routes: ROUTES });
    expect(check.mismatches).toEqual([]);
    expect(check.ok).toBe(true);
    console.log(
      `check: ${check.partitions.map((p) => `${p.topic}[${p.partition}] ${p.actualCount} ${p.actualSha256.slice(0, 12)}`).join(', ')}`,
    );

    // NEGATIVE CONTROL: one duplicate of a copied record, planted directly into its target partition
    const victim = copied[Math.floor(copied.length / 2)]!;
    const raw = kafka.producer();
    await raw.connect();
    try {
      await raw.send({
        topic: victim.topic,
        messages: [{ key: victim.key, value: victim.value, headers: victim.headers, partition: victim.partition }],
      });
    } finally {
      await raw.disconnect();
    }
    const tampered = await compareCopiedRecords({ endpoint, credentials: creds, tenantId: 'acme', routes: ROUTES });
    expect(tampered.ok).toBe(false);
    expect(new Set(tampered.mismatches.map((m) => m.kind))).toEqual(new Set(['count', 'digest', 'unexpected']));
    expect(tampered.mismatches.every((m) => m.topic === victim.topic && m.partition === victim.partition)).toBe(true);
    console.log(`negative control: ${tampered.mismatches.map((m) => `${m.kind}: ${m.message}`).join('; ')}`);
  });
});
