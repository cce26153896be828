/**
 * The tenant runtime SDK on the real local shared cluster, through the principals the example fleet deploys
 * (SCRAM passwords from the secret source; the admin principal only cleans up the test's consumer groups):
 *
 * - medicorp (pii, encrypted), bigshop (dedicated partitions 0 and 1) and startup write `shared.orders.placed`
 *   through TenantProducer with the partition map synth wrote; the keys are the local environment's keyring.
 * - the platform consumer principal `platform.fulfilment` reads them with PlatformConsumer, decrypting
 *   medicorp's; records forged RAW by startup's principal (claiming medicorp) are rejected and counted.
 * - bigshop's dedicated consumer runs under `platform.fulfilment.` (tenants cannot READ shared topics) and is
 *   assigned partitions 0 and 1 only.
 * - tenant principals that try to consume the shared topic are refused by the broker.
 * - replayTenant, run by acme's own consumer principal, rewinds acme's group only.
 *
 * The shared topic is shared with everyone else running against the local platform (verification, benchmarks):
 * every assertion is about this run's records (aggregate ids carry a random run id) or exact offsets.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type Admin,
  type Consumer,
  type ConsumerConfig,
  type Kafka,
  type LogEntry,
  Partitioners,
  type RecordMetadata,
  type SeekEntry,
  logLevel,
} from 'kafkajs';
import { deploy } from '../../src/pipeline/deploy';
import { kafkaClient, kafkaErrorType } from '../../src/kafka/client';
import { type Model, type PrincipalModel, type TenantModel, loadModel } from '../../src/model';
import { secretName as scramSecretName } from '../../src/naming';
import {
  type ConsumedRecord,
  type KeyProvider,
  type PartitionMapIndex,
  PlatformConsumer,
  type RecordRejection,
  TenantConsumer,
  TenantMismatchError,
  TenantProducer,
  dedicatedAssignerName,
  loadPartitionMap,
  localKeyringFor,
  partitionForRecord,
  replayTenant,
  tenantGroupId,
} from '../../src/sdk';
import { synthesize } from '../../src/stacks/synth';
import { type LocalPlatform, requireLocalPlatform, suffix } from './support';

jest.setTimeout(300_000);

const TOPIC = 'shared.orders.placed';
const PER_TENANT = 20;
const WAIT_MS = 60_000;
const run = `it-sdk-${suffix()}`;
/** Aggregate ids of this run: `<run>-<what>`. */
const agg = (what: string | number) => `${run}-${what}`;
const ours = (r: { aggregateId: string }) => r.aggregateId.startsWith(`${run}-`);

/** Poll `check` until it holds; fail with `what` after `timeoutMs`. The deadline, not the interval, bounds it. */
async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `promise`, or a failure naming `what` after `timeoutMs`. */
async function within<T>(what: string, promise: Promise<T>, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Commit the topic's current end offsets for a new group, so its consumer starts at "now" without a race. */
async function startAtEnd(admin: Admin, groupId: string, topic: string): Promise<SeekEntry[]> {
  const ends = (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high }));
  await admin.setOffsets({ groupId, topic, partitions: ends });
  return ends;
}

async function committed(admin: Admin, groupId: string, topic: string): Promise<Map<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

/** The first refusal a consumer crashes with (restarts off), within the deadline. */
function crashOf(consumer: Consumer): Promise<unknown> {
  return within(
    'the consumer to be refused',
    new Promise((resolve) => consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error))),
  );
}

const noRestart: Pick<ConsumerConfig, 'retry'> = { retry: { retries: 1, restartOnFailure: async () => false } };

interface Rejection {
  readonly code: RecordRejection['code'];
  readonly partition: number;
  readonly offset: string;
}

/** A running guarded consumer and everything it saw. */
interface Observed<C> {
  readonly consumer: C;
  readonly records: ConsumedRecord[];
  readonly rejections: Rejection[];
  readonly logs: string[];
  assignment?: Record<string, number[]>;
  protocol?: string;
}

describe('tenant runtime SDK through the deployed principals on the local shared cluster', () => {
  let platform: LocalPlatform;
  let model: Model;
  let partitionMap: PartitionMapIndex;
  let keys: KeyProvider;
  let work: string;
  const cleanups: (() => Promise<unknown>)[] = [];
  const groups: string[] = [];
  /** Partitions this run forged records on (bigshop's reserved ones are cleaned up afterwards). */
  const forgedPartitions: number[] = [];

  const tenant = (id: string): TenantModel => {
    const t = model.tenants.find((x) => x.id === id);
    if (!t) throw new Error(`tenant "${id}" is not in the example fleet`);
    return t;
  };
  const principalOf = (tenantId: string, app: string): PrincipalModel => {
    const p = tenant(tenantId).principals.find((x) => x.app === app);
    if (!p) throw new Error(`tenant "${tenantId}" has no application "${app}"`);
    return p;
  };
  const fulfilment = (): PrincipalModel => {
    const p = model.platform.consumers.find((c) => c.app === 'fulfilment');
    if (!p) throw new Error('the environment has no platform consumer "fulfilment"');
    return p;
  };
  /**
   * A kafkajs client logged in as a deployed principal, with the SCRAM password deploy gave it. With `refusals`,
   * every authorization error a broker answers is recorded there: kafkajs turns FindCoordinator's
   * GROUP_AUTHORIZATION_FAILED into a bare KafkaJSGroupCoordinatorNotFound, and only its debug log keeps the
   * broker's answer.
   */
  const clientFor = (p: PrincipalModel, refusals?: string[]): Kafka => {
    const password = platform.secrets.get(scramSecretName(p.username));
    if (!password) throw new Error(`no SCRAM password for ${p.username}; deploy did not run`);
    return kafkaClient(
      platform.brokers(model.env.sharedCluster),
      { username: p.username, password },
      {
        clientId: `kt-${run}-${p.username}`,
        ...(refusals && {
          logLevel: logLevel.DEBUG,
          logCreator: () => (entry: LogEntry) => {
            const type = kafkaErrorType((entry.log as { error?: unknown }).error);
            if (type.endsWith('_AUTHORIZATION_FAILED')) refusals.push(type);
          },
        }),
      },
    );
  };
  const adminFor = async (p: PrincipalModel): Promise<Admin> => {
    const admin = clientFor(p).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    return admin;
  };
  const producerFor = async (t: TenantModel, app: string): Promise<TenantProducer> => {
    const producer = new TenantProducer({
      tenant: t,
      kafka: clientFor(principalOf(t.id, app)),
      keyProvider: keys,
      partitionMap,
      producerConfig: { allowAutoTopicCreation: false },
    });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    return producer;
  };
  function observe<C extends TenantConsumer | PlatformConsumer>(build: (o: Observed<C>) => C): Observed<C> {
    const o = { records: [], rejections: [], logs: [] } as unknown as Observed<C>;
    (o as { consumer: C }).consumer = build(o);
    const raw = o.consumer.consumer;
    raw.on(raw.events.GROUP_JOIN, (e) => {
      o.assignment = e.payload.memberAssignment;
      o.protocol = e.payload.groupProtocol;
    });
    return o;
  }
  const gate = (o: Observed<unknown>) => ({
    logger: {
      warn: (message: string, fields: Record<string, unknown>) => o.logs.push(JSON.stringify({ message, ...fields })),
    },
    onRejected: (e: RecordRejection, c: { partition: number; offset: string }) => {
      o.rejections.push({ code: e.code, partition: c.partition, offset: c.offset });
    },
  });
  async function start<C extends TenantConsumer | PlatformConsumer>(o: Observed<C>, topic: string): Promise<void> {
    await o.consumer.connect();
    cleanups.push(() => o.consumer.disconnect());
    await o.consumer.subscribe([topic]);
    await o.consumer.run(async (r) => {
      o.records.push(r);
    });
  }

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    // The example fleet, deployed the way fleet.test.ts does it; idempotent (no changes when already applied).
    model = loadModel({ env: 'local' });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-sdk-'));
    const synth = synthesize(model, path.join(work, 'out'));
    await deploy({ model, outdir: synth.outdir, cli: platform.cli, secrets: platform.secrets });
    // What applications load: the partition map synth wrote next to the stacks.
    partitionMap = loadPartitionMap(synth.partitionMapFile);
    keys = localKeyringFor(
      model.env.name,
      model.tenants.filter((t) => t.encryption).map((t) => t.id),
    );
  }, 600_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((e: unknown) => console.error(`cleanup failed: ${String(e)}`));
    }
    const reserved = forgedPartitions.filter((p) => partitionMap?.dedicatedPartitions(TOPIC, 'bigshop').includes(p));
    if (platform && reserved.length > 0) {
      // A forgery on bigshop's reserved partition is a deliberate violation, and verify's
      // shared-tier.reserved-partitions check reports it as one (it did, in the suite that ran after this test).
      // Remove it: this local test cluster drops the partition's records up to its end.
      const admin = platform.admin(model.env.sharedCluster);
      await admin.connect();
      try {
        const ends = await admin.fetchTopicOffsets(TOPIC);
        const partitions = ends
          .filter((e) => reserved.includes(e.partition))
          .map((e) => ({ partition: e.partition, offset: e.high }));
        await admin.deleteTopicRecords({ topic: TOPIC, partitions });
      } catch (e) {
        console.error(`removing the forged records: ${String(e)}`);
      } finally {
        await admin.disconnect();
      }
    }
    if (platform && groups.length > 0) {
      // Tenant and platform principals may not delete groups; the test's own random groups go with admin.
      const admin = platform.admin(model.env.sharedCluster);
      await admin.connect();
      await admin.deleteGroups(groups).catch((e: unknown) => console.error(`deleting test groups: ${String(e)}`));
      await admin.disconnect();
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('loads the partition map synth wrote, equal to the model: bigshop owns partitions 0 and 1', () => {
    expect(partitionMap.map).toEqual(model.partitionMap);
    expect(partitionMap.dedicatedPartitions(TOPIC, 'bigshop')).toEqual([0, 1]);
    expect(partitionMap.sharedPartitions(TOPIC)).toEqual([2, 3, 4, 5]);
  });

  describe('shared.orders.placed: three tenants write, the platform reads', () => {
    const sharedTenants = () => model.tenants.filter((t) => t.tier === 'shared');
    const writers = [
      { id: 'medicorp', app: 'prescriptions' },
      { id: 'bigshop', app: 'checkout' },
      { id: 'startup', app: 'shop' },
    ];
    const value = (tenantId: string, i: number) =>
      JSON.stringify({ tenant: tenantId, i, run, patient: tenantId === 'medicorp' ? 'Jane Roe, 1970-01-01' : null });
    const placed = new Map<string, RecordMetadata[]>();
    const forged: { name: string; partition: number; offset: string }[] = [];
    let all: Observed<PlatformConsumer>;
    let dedicated: Observed<PlatformConsumer>;
    let refusal: unknown;

    beforeAll(async () => {
      const allGroup = `${fulfilment().username}.${run}`;
      const bigshopGroup = `${fulfilment().username}.${run}-bigshop`;
      groups.push(allGroup, bigshopGroup);
      const platformAdmin = await adminFor(fulfilment());
      await startAtEnd(platformAdmin, allGroup, TOPIC);
      await startAtEnd(platformAdmin, bigshopGroup, TOPIC);

      for (const w of writers) {
        const producer = await producerFor(tenant(w.id), w.app);
        const records = [...Array(PER_TENANT).keys()].map((i) => ({
          topic: TOPIC,
          aggregateId: agg(i),
          eventType: 'order.placed',
          value: value(w.id, i),
        }));
        placed.set(w.id, await producer.sendBatch(records));
      }

      // A well-behaved client cannot even send another tenant's id: refused before anything reaches Kafka.
      const startup = await producerFor(tenant('startup'), 'shop');
      refusal = await startup
        .send({
          topic: TOPIC,
          aggregateId: agg('refused'),
          eventType: 'order.placed',
          value: value('startup', -1),
          headers: { 'tenant-id': 'medicorp' },
        })
        .catch((e: unknown) => e);

      // A hostile one skips the SDK: startup's principal writes RAW records claiming to be medicorp. Its ACL
      // (WRITE on shared.*) allows that; only the consumer-side checks stand in the way.
      const raw = clientFor(principalOf('startup', 'shop')).producer({
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await raw.connect();
      cleanups.push(() => raw.disconnect());
      const forgeries = [
        {
          // header and key agree on medicorp, on the partition a real medicorp record would use, but in clear text
          name: 'clear-text medicorp',
          key: `medicorp:${agg('forged-1')}`,
          tenantId: 'medicorp',
          partition: partitionForRecord(partitionMap, TOPIC, 'medicorp', `medicorp:${agg('forged-1')}`),
        },
        {
          // on bigshop's partition 0: the header claims medicorp, the key is startup's
          name: 'header/key mismatch on bigshop partition',
          key: `startup:${agg('forged-2')}`,
          tenantId: 'medicorp',
          partition: 0,
        },
      ];
      for (const f of forgeries) {
        const [meta] = await raw.send({
          topic: TOPIC,
          messages: [
            {
              partition: f.partition,
              key: f.key,
              value: JSON.stringify({ forged: true, run, patient: 'Mallory' }),
              headers: { 'tenant-id': f.tenantId, 'event-type': 'order.placed' },
            },
          ],
        });
        forged.push({ name: f.name, partition: meta!.partition, offset: meta!.baseOffset! });
        forgedPartitions.push(meta!.partition);
      }

      all = observe<PlatformConsumer>(
        (o) =>
          new PlatformConsumer({
            kafka: clientFor(fulfilment()),
            groupId: allGroup,
            tenants: sharedTenants(),
            keyProvider: keys,
            ...gate(o),
          }),
      );
      dedicated = observe<PlatformConsumer>(
        (o) =>
          new PlatformConsumer({
            kafka: clientFor(fulfilment()),
            groupId: bigshopGroup,
            tenants: sharedTenants(),
            dedicatedTo: 'bigshop',
            partitionMap,
            keyProvider: keys,
            ...gate(o),
          }),
      );
      await start(all, TOPIC);
      await start(dedicated, TOPIC);

      const rejectedAt = (o: Observed<PlatformConsumer>, f: (typeof forged)[number]) =>
        o.rejections.some((r) => r.partition === f.partition && r.offset === f.offset);
      await waitUntil('the platform consumer to read every record of this run and reject the forgeries', () => {
        return (
          all.records.filter(ours).length >= writers.length * PER_TENANT && forged.every((f) => rejectedAt(all, f))
        );
      });
      await waitUntil(
        "bigshop's dedicated consumer to read bigshop's records and reject the forgery on partition 0",
        () => {
          return dedicated.records.filter(ours).length >= PER_TENANT && rejectedAt(dedicated, forged[1]!);
        },
      );
    }, 180_000);

    it("puts bigshop's records only on its partitions 0 and 1, and everyone else's never there", () => {
      const partitionsOf = (id: string) => new Set(placed.get(id)!.map((m) => m.partition));
      expect([...partitionsOf('bigshop')].every((p) => [0, 1].includes(p))).toBe(true);
      for (const id of ['medicorp', 'startup']) {
        expect([...partitionsOf(id)].every((p) => [2, 3, 4, 5].includes(p))).toBe(true);
      }
      for (const r of all.records.filter(ours)) {
        expect(partitionMap.partitionsFor(TOPIC, r.tenantId)).toContain(r.partition);
      }
    });

    it('delivers every record of this run once to the platform consumer, with keys and headers of its tenant', () => {
      const got = all.records.filter(ours);
      expect(got).toHaveLength(writers.length * PER_TENANT);
      for (const w of writers) {
        const mine = got.filter((r) => r.tenantId === w.id);
        expect(mine.map((r) => r.aggregateId).sort()).toEqual([...Array(PER_TENANT).keys()].map(agg).sort());
        for (const r of mine) {
          expect(r.key).toBe(`${w.id}:${r.aggregateId}`);
          expect(r.headers['tenant-id']?.toString()).toBe(w.id);
          expect(r.headers['event-type']?.toString()).toBe('order.placed');
          expect(r.eventType).toBe('order.placed');
        }
      }
    });

    it("decrypts medicorp's records with medicorp's key; the others travel in clear text", async () => {
      const current = (await keys.currentKek('medicorp')).version;
      for (const r of all.records.filter(ours)) {
        const i = Number(r.aggregateId.slice(run.length + 1));
        expect(r.value!.toString()).toBe(value(r.tenantId, i));
        expect(r.encrypted).toBe(r.tenantId === 'medicorp');
        if (r.tenantId === 'medicorp') {
          expect(r.headers['enc-v']?.toString()).toBe('1');
          expect(r.headers['enc-kek']?.toString()).toBe(`medicorp/v${current}`);
          expect(r.kekVersion).toBe(current);
        } else {
          expect(r.headers['enc-v']).toBeUndefined();
        }
      }
    });

    it("rejects the records startup's principal forged as medicorp: counted, logged without payload, never handled", () => {
      const codeAt = (o: Observed<PlatformConsumer>, f: (typeof forged)[number]) =>
        o.rejections.find((r) => r.partition === f.partition && r.offset === f.offset)?.code;
      expect(codeAt(all, forged[0]!)).toBe('unencrypted_record');
      expect(codeAt(all, forged[1]!)).toBe('tenant_mismatch');
      expect(codeAt(dedicated, forged[1]!)).toBe('tenant_mismatch');
      for (const o of [all, dedicated]) {
        expect(o.records.some((r) => r.aggregateId.startsWith(agg('forged')))).toBe(false);
        const m = o.consumer.metrics();
        expect(m.rejected.unencrypted_record + m.rejected.tenant_mismatch).toBeGreaterThanOrEqual(o === all ? 2 : 1);
        const logs = o.logs.join('\n');
        expect(logs).toContain('record rejected');
        expect(logs).not.toContain('Mallory');
        expect(logs).not.toContain(agg('forged'));
      }
    });

    it('refuses a caller-supplied tenant-id of another tenant in TenantProducer; nothing reaches Kafka', () => {
      expect(refusal).toBeInstanceOf(TenantMismatchError);
      expect((refusal as Error).message).toMatch(/differs from this producer's tenant "startup"/);
      expect(all.records.some((r) => r.aggregateId === agg('refused'))).toBe(false);
    });

    it("runs bigshop's dedicated consumer under the platform's group, assigned partitions 0 and 1 only", () => {
      expect(dedicated.consumer.groupId).toBe(`${fulfilment().username}.${run}-bigshop`);
      expect(dedicated.protocol).toBe(dedicatedAssignerName('bigshop'));
      const sorted = (a: Record<string, number[]> | undefined) =>
        Object.fromEntries(Object.entries(a ?? {}).map(([t, ps]) => [t, [...ps].sort((x, y) => x - y)]));
      expect(sorted(dedicated.assignment)).toEqual({ [TOPIC]: [0, 1] });
      expect(sorted(all.assignment)).toEqual({ [TOPIC]: [0, 1, 2, 3, 4, 5] });
      expect(dedicated.records.every((r) => [0, 1].includes(r.partition) && r.tenantId === 'bigshop')).toBe(true);
      expect(dedicated.records.filter(ours)).toHaveLength(PER_TENANT);
      expect(dedicated.rejections.every((r) => [0, 1].includes(r.partition))).toBe(true);
    });

    it('refuses tenant principals that try to consume the shared topic (raw kafkajs and the SDK)', async () => {
      // startup.shop: a raw kafkajs consumer in a group under its own prefix
      const startupGroup = `startup.${run}`;
      const refusals = { startup: [] as string[], bigshop: [] as string[] };
      const raw = clientFor(principalOf('startup', 'shop'), refusals.startup).consumer({
        groupId: startupGroup,
        ...noRestart,
      });
      const handled: unknown[] = [];
      await raw.connect();
      cleanups.push(() => raw.disconnect());
      await raw.subscribe({ topic: TOPIC, fromBeginning: true });
      const rawCrash = crashOf(raw);
      await raw.run({ eachMessage: async (m) => void handled.push(m) });

      // bigshop.checkout: its own dedicated consumer through the SDK (group bigshop.<run>)
      const sdk = new TenantConsumer({
        tenant: tenant('bigshop'),
        kafka: clientFor(principalOf('bigshop', 'checkout'), refusals.bigshop),
        group: run,
        partitionMap,
        dedicated: true,
        consumerConfig: noRestart,
        logger: { warn: () => undefined },
      });
      await sdk.connect();
      cleanups.push(() => sdk.disconnect());
      await sdk.subscribe([TOPIC]);
      const sdkCrash = crashOf(sdk.consumer);
      await sdk.run(async (r) => void handled.push(r));

      for (const [error, seen] of [
        [await rawCrash, refusals.startup],
        [await sdkCrash, refusals.bigshop],
      ] as const) {
        const type = kafkaErrorType(error);
        const brokerSaid = type.endsWith('_AUTHORIZATION_FAILED') ? type : seen[0];
        expect(['TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED']).toContain(brokerSaid);
      }
      expect(handled).toEqual([]);
    });
  });

  describe('replayTenant through the tenant principals', () => {
    const N = 10;
    const group = run;
    const acmeGroup = () => tenantGroupId('acme', group);
    const globexGroup = () => tenantGroupId('globex', group);
    const replayed: ConsumedRecord[] = [];
    let acmeAdmin: Admin;
    let globexAdmin: Admin;
    let platformAdmin: Admin;
    let t0: number;
    let acmeFirstPass: ConsumedRecord[];
    let before: { globex: Map<number, string>; platform: Map<number, string> };
    let result: Awaited<ReturnType<typeof replayTenant>>;

    /** Consume until this run's N records arrived and their offsets are committed, then leave the group. */
    async function consumeOnce(tenantId: string, app: string, topic: string, admin: Admin, sink: ConsumedRecord[]) {
      const consumer = new TenantConsumer({
        tenant: tenant(tenantId),
        kafka: clientFor(principalOf(tenantId, app)),
        group,
        partitionMap,
        keyProvider: keys,
        logger: { warn: () => undefined },
      });
      await consumer.connect();
      try {
        await consumer.subscribe([topic]);
        await consumer.run(async (r) => {
          if (ours(r)) sink.push(r);
        });
        await waitUntil(`${tenantId}'s consumer to read this run's ${N} records`, () => sink.length >= N);
        const ends = new Map<number, bigint>();
        for (const r of sink) ends.set(r.partition, BigInt(r.offset) + 1n);
        await waitUntil(`${tenantId}'s offsets to be committed`, async () => {
          const c = await committed(admin, consumer.groupId, topic);
          return [...ends].every(([p, end]) => BigInt(c.get(p) ?? '-1') >= end);
        });
      } finally {
        await consumer.disconnect();
      }
    }

    beforeAll(async () => {
      groups.push(acmeGroup(), globexGroup());
      acmeAdmin = await adminFor(principalOf('acme', 'billing'));
      globexAdmin = await adminFor(principalOf('globex', 'ledger-writer'));
      platformAdmin = await adminFor(fulfilment());
      await startAtEnd(acmeAdmin, acmeGroup(), 'acme.orders');
      await startAtEnd(globexAdmin, globexGroup(), 'globex.payments');

      t0 = Date.now();
      for (const [id, app, topic] of [
        ['acme', 'storefront', 'acme.orders'],
        ['globex', 'api', 'globex.payments'],
      ] as const) {
        const producer = await producerFor(tenant(id), app);
        await producer.sendBatch(
          [...Array(N).keys()].map((i) => ({
            topic,
            aggregateId: agg(i),
            eventType: 'order.placed',
            value: `${id} ${i}`,
          })),
        );
      }
      acmeFirstPass = [];
      await consumeOnce('acme', 'billing', 'acme.orders', acmeAdmin, acmeFirstPass);
      await consumeOnce('globex', 'ledger-writer', 'globex.payments', globexAdmin, []);

      before = {
        globex: await committed(globexAdmin, globexGroup(), 'globex.payments'),
        platform: await committed(platformAdmin, `${fulfilment().username}.${run}`, TOPIC),
      };
      result = await replayTenant(acmeAdmin, 'acme', group, 'acme.orders', t0);
    }, 180_000);

    it("rewinds acme's group to the first record at or after the timestamp", async () => {
      expect(result.groupId).toBe(acmeGroup());
      const after = await committed(acmeAdmin, acmeGroup(), 'acme.orders');
      for (const { partition, offset } of result.partitions) expect(after.get(partition)).toBe(offset);
      // every record of this run is at or after the new position, so it will be read again
      for (const r of acmeFirstPass) expect(BigInt(r.offset)).toBeGreaterThanOrEqual(BigInt(after.get(r.partition)!));
    });

    it("leaves every other group alone: globex's group and the platform's group keep their offsets", async () => {
      expect(before.globex.size).toBeGreaterThan(0);
      expect(await committed(globexAdmin, globexGroup(), 'globex.payments')).toEqual(before.globex);
      expect(await committed(platformAdmin, `${fulfilment().username}.${run}`, TOPIC)).toEqual(before.platform);
    });

    it("re-delivers this run's acme records to acme's consumer", async () => {
      await consumeOnce('acme', 'billing', 'acme.orders', acmeAdmin, replayed);
      expect(replayed.map((r) => r.aggregateId).sort()).toEqual(acmeFirstPass.map((r) => r.aggregateId).sort());
    });

    it("cannot be aimed at another tenant's group: acme's principal is refused by the broker", async () => {
      const viaSdk = await replayTenant(acmeAdmin, 'globex', group, 'globex.payments', t0).catch((e: unknown) => e);
      expect(kafkaErrorType(viaSdk)).toMatch(/AUTHORIZATION_FAILED$/);
      const refusals: string[] = [];
      const acme = clientFor(principalOf('acme', 'billing'), refusals).admin();
      await acme.connect();
      cleanups.push(() => acme.disconnect());
      const direct = await acme
        .setOffsets({ groupId: globexGroup(), topic: 'acme.orders', partitions: [{ partition: 0, offset: '0' }] })
        .catch((e: unknown) => e);
      expect(direct).toBeInstanceOf(Error);
      expect(refusals).toContain('GROUP_AUTHORIZATION_FAILED');
      expect(await committed(globexAdmin, globexGroup(), 'globex.payments')).toEqual(before.globex);
    });
  });
});
