/**
 * A topic-per-tenant tenant moves to its own dedicated cluster with its data, as a platform team does it (issue 14):
 * the built CLI, real terraform, two real clusters of the test's own (shared 18992/18993, dedicated over SASL_SSL
 * 19192/19193), MirrorMaker 2 as its own process.
 *
 *   1. acme lives on the shared cluster: 3 topics, 10,000 records, group acme.billing committed at known offsets;
 *   2. its file gains `tier: dedicated` + `migration: { state: copying }`: plan review shows the move as one item,
 *      deploy creates the target topics and credentials (no grants), `migrate acme start` runs MirrorMaker, which is
 *      SIGKILLed once records arrive and started again; verify passes with both placements;
 *   3. jumping to `state: done` without the cutover is refused by the synthesized configuration (plan postcondition);
 *   4. `state: cutover`: deploy drops the source's write grants, `migrate acme cutover` drains, compares every
 *      partition (count + sha256 of key, value, headers) and carries the group's offsets over; verify passes;
 *   5. `state: done`: grants on the target, source credentials revoked, source topics forgotten with their records;
 *      verify passes (acme verified on its target like a tenant born there); the group resumes on the target
 *      exactly at the record it would have read next on the source; per-partition digests equal on both clusters.
 *
 * Figures printed, never asserted: MirrorMaker copy throughput, how far the copy was when killed, the cutover pause
 * (from the cutover apply, when writes started being refused, to the done apply, when they were allowed again).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { kafkaClient } from '../../src/kafka/client';
import { withDeadline } from '../../src/kafka/deadline';
import { down } from '../../src/local/cluster';
import { loadEnvironment, type Environment } from '../../src/model/environment';
import { clusterEndpoint } from '../../src/platform/connection';
import { adminCredentials } from '../../src/platform/identities';
import { secretSourceFor, type SecretSource } from '../../src/secrets';
import { compareDigests, partitionDigests } from '../../src/migration/digest';
import { expectOk, projectCli, tail, until, verifyPasses, type VerifyResult } from './cli-support';
import { writeTwoClusterEnvironment } from './migration-support';
import { savedLocalDirs } from './support';

jest.setTimeout(1_800_000);

const ENV = 'migtest';
const PORTS = { shared: [18992, 18993], dedicated: [19192, 19193] } as const;
const TOPICS = [
  { name: 'orders', partitions: 6, records: 6000 },
  { name: 'invoices', partitions: 3, records: 3000 },
  { name: 'events', partitions: 1, records: 1000 },
];
/** Where acme.billing stands on acme.orders before the move, per partition. */
const GROUP_AT = (p: number) => 100 * (p + 1);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-migration-'));
const root = path.join(work, 'project');
const localDir = path.join(work, '.local');
const stateDir = path.join(work, 'state');
const saved = savedLocalDirs();

const cli = projectCli({ env: ENV, root, localDir, stateDir });
const verify = (label: string) => verifyPasses(cli, label);

function writeTenant(migration?: { state: string }): void {
  const doc = {
    id: 'acme',
    owner: 'team-acme',
    contact: 'acme@example.com',
    tier: migration ? 'dedicated' : 'topic-per-tenant',
    ...(migration ? { cluster: 'dedicated' } : {}),
    classification: 'internal',
    topics: TOPICS.map((t) => ({ name: t.name, partitions: t.partitions })),
    applications: [
      { name: 'writer', produces: TOPICS.map((t) => t.name) },
      { name: 'billing', consumes: ['orders'], groups: ['billing'] },
    ],
    ...(migration
      ? {
          migration: {
            from: { tier: 'topic-per-tenant' },
            state: migration.state,
            keepSourceData: true,
            reason: 'noisy neighbour: own cluster',
          },
        }
      : {}),
  };
  fs.writeFileSync(path.join(root, 'tenants', 'acme.yaml'), stringifyYaml(doc));
}

describe('topic-per-tenant → dedicated with MirrorMaker 2, through the CLI', () => {
  let env: Environment;
  let secrets: SecretSource;
  const admin = (cluster: string) =>
    kafkaClient(clusterEndpoint(env, cluster, secrets), adminCredentials(secrets, cluster));

  beforeAll(() => {
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    writeTwoClusterEnvironment(root, ENV, PORTS);
    writeTenant();
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

  it('moves 10,000 records and a consumer group without losing, duplicating or reordering one', async () => {
    expectOk('local up', await cli(['local', 'up'], 300_000));
    expectOk('deploy (acme on the shared cluster)', await cli(['deploy']));
    secrets = secretSourceFor(env); // after deploy: it made the tenant's passwords

    // 1. records and a group on the source
    const kafka = kafkaClient(clusterEndpoint(env, 'shared', secrets), {
      username: 'acme.writer',
      password: secrets.get('scram/acme.writer')!,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await withDeadline(producer.connect(), 30_000, 'producer connect');
    try {
      for (const t of TOPICS) {
        for (let i = 0; i < t.records; i += 500) {
          const messages = Array.from({ length: Math.min(500, t.records - i) }, (_, j) => ({
            key: `k-${(i + j) % 97}`,
            value: `${t.name} record ${i + j}`,
            headers: { seq: String(i + j), 'event-type': `${t.name}.created` },
          }));
          await withDeadline(producer.send({ topic: `acme.${t.name}`, acks: -1, messages }), 60_000, 'produce');
        }
      }
    } finally {
      await producer.disconnect();
    }
    const sharedAdmin = admin('shared').admin();
    await sharedAdmin.connect();
    await sharedAdmin.setOffsets({
      groupId: 'acme.billing',
      topic: 'acme.orders',
      partitions: Array.from({ length: 6 }, (_, p) => ({ partition: p, offset: String(GROUP_AT(p)) })),
    });
    await sharedAdmin.disconnect();

    // 2. copying: plan review, deploy, MirrorMaker killed and restarted, verify
    writeTenant({ state: 'copying' });
    const plans = path.join(work, 'plans');
    expectOk('plan (copying)', await cli(['plan', '--out', plans]));
    const planFiles = fs
      .readdirSync(plans)
      .filter((f) => f.endsWith('.plan.json'))
      .map((f) => path.join(plans, f));
    const reviewMd = path.join(work, 'review.md');
    await cli(['plan-review', ...planFiles, '--markdown', reviewMd]);
    const review = fs.readFileSync(reviewMd, 'utf8');
    console.log(`plan review (copying):\n${review}`);
    expect(review).toMatch(/migration topic-per-tenant on shared → dedicated on dedicated, state copying/);
    expectOk('deploy (copying)', await cli(['deploy']));
    const started = expectOk('migrate start', await cli(['migrate', 'acme', 'start']));
    const t0 = Date.now();
    const targetEnd = async () => {
      const a = admin('dedicated').admin();
      await a.connect();
      try {
        let n = 0;
        for (const t of TOPICS) for (const o of await a.fetchTopicOffsets(`acme.${t.name}`)) n += Number(o.high);
        return n;
      } finally {
        await a.disconnect();
      }
    };
    const atKill = await until(
      'first records on the target',
      async () => ((await targetEnd()) > 0 ? targetEnd() : undefined),
      120_000,
      100,
    );
    const pid = Number(fs.readFileSync(path.join(localDir, 'migrations', ENV, 'acme', 'mm2.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    console.log(
      `${tail(started.stdout, 3)}\nMirrorMaker SIGKILLed with ${atKill} offsets on the target (of 10,000 records + markers)`,
    );
    expectOk('migrate start (again)', await cli(['migrate', 'acme', 'start']));
    const status = await until(
      'zero lag',
      async () => {
        const r = await cli(['migrate', 'acme', 'status']);
        return /caught up: lag 0/.test(r.stdout) ? r : undefined;
      },
      300_000,
      1000,
    );
    console.log(
      `copy: 10,000 records caught up ${((Date.now() - t0) / 1000).toFixed(1)} s after the first start (kill and restart included)\n${tail(status.stdout, 20)}`,
    );
    await verify('copying');

    // negative control: a grant on the target before done (here READ: the copies readable early) is caught. (A WRITE
    // grant is caught too, but the probe's record then lands on the target, and cutover rightly refuses the copy.)
    const target = admin('dedicated').admin();
    await target.connect();
    const grant = {
      resourceType: 2, // TOPIC
      resourceName: 'acme.',
      resourcePatternType: 4, // PREFIXED
      principal: 'User:acme.writer',
      host: '*',
      operation: 3, // READ
      permissionType: 3, // ALLOW
    };
    try {
      await target.createAcls({ acl: [grant] });
      const broken = await cli(['verify', '--skip-quotas', '--json']);
      const failed = (JSON.parse(broken.stdout) as { results: VerifyResult[] }).results
        .filter((r) => r.status === 'fail')
        .map((r) => r.id);
      console.log(`negative control (read grant on the target while copying): failed ${failed.join(', ')}`);
      expect(broken.status).not.toBe(0);
      expect(failed).toEqual(expect.arrayContaining(['conformance.migration-target-grants:acme']));
    } finally {
      await target.deleteAcls({ filters: [grant] });
      await target.disconnect();
    }

    // 3. done without the cutover: refused by the configuration itself
    writeTenant({ state: 'done' });
    const skipped = await cli(['deploy']);
    expect(skipped.status).not.toBe(0);
    expect(`${skipped.stdout}${skipped.stderr}`).toMatch(/migration\.state: done needs the cutover applied first/);

    // 4. cutover
    writeTenant({ state: 'cutover' });
    expectOk('deploy (cutover)', await cli(['deploy']));
    const writesRefused = Date.now();
    const cutover = expectOk('migrate cutover', await cli(['migrate', 'acme', 'cutover']));
    console.log(`migrate cutover:\n${cutover.stdout}${tail(cutover.stderr, 5)}`);
    expect(cutover.stdout).toMatch(/counts and sha256 equal on both clusters/);
    await verify('cutover');

    // independent of the cutover's own comparison, before done lets anyone write the target again: per-partition
    // digests equal on both clusters
    for (const t of TOPICS) {
      const topic = `acme.${t.name}`;
      const s = await partitionDigests(
        clusterEndpoint(env, 'shared', secrets),
        adminCredentials(secrets, 'shared'),
        topic,
      );
      const d = await partitionDigests(
        clusterEndpoint(env, 'dedicated', secrets),
        adminCredentials(secrets, 'dedicated'),
        topic,
      );
      expect(compareDigests([{ topic, partitions: s }], [{ topic, partitions: d }])).toEqual([]);
      expect(s.reduce((n, p) => n + p.count, 0)).toBeGreaterThanOrEqual(t.records);
    }

    // 5. done
    writeTenant({ state: 'done' });
    expectOk('deploy (done)', await cli(['deploy']));
    console.log(
      `cutover pause (writes refused, cutover apply → done apply): ${((Date.now() - writesRefused) / 1000).toFixed(1)} s`,
    );
    const results = await verify('done');
    expect(results.some((r) => r.id.startsWith('negative.migration-source-revoked:acme.writer'))).toBe(true);

    // the group resumes on the target exactly where it stood on the source
    const source = kafkaClient(clusterEndpoint(env, 'shared', secrets), adminCredentials(secrets, 'shared'));
    const billing = kafkaClient(clusterEndpoint(env, 'dedicated', secrets), {
      username: 'acme.billing',
      password: secrets.get('scram/acme.billing')!,
    });
    const expected = new Map<number, string>();
    const probe = source.consumer({ groupId: `platform.mig-probe-${Date.now()}` });
    await probe.connect();
    await probe.subscribe({ topic: 'acme.orders', fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('source probe read timed out')), 120_000);
      void probe.run({
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) === GROUP_AT(partition)) expected.set(partition, String(message.value));
          if (expected.size === 6) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await probe.disconnect();
    const resumed = new Map<number, string>();
    const consumer = billing.consumer({ groupId: 'acme.billing' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'acme.orders', fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('target read timed out')), 120_000);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (!resumed.has(partition)) resumed.set(partition, String(message.value));
          if (resumed.size === 6) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(resumed).toEqual(expected);
  });
});
