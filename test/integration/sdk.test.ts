/**
 * The tenant runtime SDK against the real local shared cluster (SASL/SCRAM-SHA-512 on 127.0.0.1).
 *
 * Contract with the harness: KAFKA_TENANCY_IT_SHARED =
 *   {"brokers":["127.0.0.1:19092"],"admin":{"username":"admin","password":"..."}}
 * Without it this test fails loudly: an integration test that silently passes without brokers proves nothing.
 */
import * as crypto from 'node:crypto';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import {
  type ConsumedRecord,
  LocalKeyring,
  PartitionMapIndex,
  PlatformConsumer,
  TenantConsumer,
  TenantProducer,
  replayTenant,
} from '../../src/sdk';

const ENV = 'KAFKA_TENANCY_IT_SHARED';

interface SharedClusterContract {
  readonly brokers: string[];
  readonly admin: { readonly username: string; readonly password: string };
}

function readContract(): SharedClusterContract {
  const raw = process.env[ENV];
  if (!raw) {
    throw new Error(
      `${ENV} is not set; this test needs the local shared cluster. Start it (npm test does) and set ` +
        `${ENV}='{"brokers":["127.0.0.1:19092"],"admin":{"username":"admin","password":"..."}}'`,
    );
  }
  let c: SharedClusterContract;
  try {
    c = JSON.parse(raw) as SharedClusterContract;
  } catch (e) {
    throw new Error(`${ENV} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(c.brokers) || c.brokers.length === 0 || !c.admin?.username || !c.admin?.password) {
    throw new Error(`${ENV} must look like {"brokers":["127.0.0.1:19092"],"admin":{"username":"…","password":"…"}}`);
  }
  return c;
}

async function eventually(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const suffix = crypto.randomBytes(4).toString('hex');
const TOPIC = `shared.it-sdk-${suffix}`;
const PARTITIONS = 6;
const ALPHA = { id: 'it-alpha', encryption: true };
const BRAVO = { id: 'it-bravo', encryption: false };
const PER_TENANT = 25;

const TIMEOUT_MS = 180_000;

describe('tenant runtime SDK on the shared cluster', () => {
  let kafka: Kafka;
  let admin: Admin;
  const cleanups: (() => Promise<unknown>)[] = [];

  const partitionMap = new PartitionMapIndex({
    version: 1,
    environment: 'it',
    topics: { [TOPIC]: { partitions: PARTITIONS, dedicated: { [ALPHA.id]: [4, 5] } } },
  });
  const keys = LocalKeyring.inMemory([ALPHA.id, BRAVO.id]);
  const alphaGroup = `sdk-it-${suffix}`;
  const platformGroup = `platform.sdk-it-${suffix}`;
  const value = (tenant: string, i: number) => JSON.stringify({ tenant, i, note: 'card 4111-1111-1111-1111' });

  const alphaSeen: ConsumedRecord[] = [];
  const platformSeen: ConsumedRecord[] = [];
  let alphaConsumer: TenantConsumer;
  let platformConsumer: PlatformConsumer;

  beforeAll(async () => {
    const contract = readContract();
    kafka = new Kafka({
      clientId: `kafka-tenancy-it-sdk-${suffix}`,
      brokers: contract.brokers,
      ssl: false,
      sasl: { mechanism: 'scram-sha-512', ...contract.admin },
      logLevel: logLevel.ERROR,
    });
    admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }],
    });
    cleanups.unshift(() => admin.deleteTopics({ topics: [TOPIC] }));
    cleanups.unshift(() => admin.deleteGroups([`${ALPHA.id}.${alphaGroup}`, platformGroup]).catch(() => undefined));

    // Produce as two tenants through the SDK (the admin principal can write; ACLs are not what this test checks).
    for (const tenant of [ALPHA, BRAVO]) {
      const producer = new TenantProducer({
        tenant,
        kafka,
        keyProvider: keys,
        partitionMap,
        producerConfig: { allowAutoTopicCreation: false },
      });
      await producer.connect();
      await producer.sendBatch(
        [...Array(PER_TENANT).keys()].map((i) => ({
          topic: TOPIC,
          aggregateId: `order-${i}`,
          eventType: 'order.placed',
          value: value(tenant.id, i),
        })),
      );
      await producer.disconnect();
    }

    // Forged records, written raw (what a buggy or hostile client could do).
    const raw = kafka.producer({ allowAutoTopicCreation: false });
    await raw.connect();
    await raw.send({
      topic: TOPIC,
      messages: [
        // on alpha's dedicated partition, key says alpha, header says bravo
        { partition: 4, key: `${ALPHA.id}:forged-1`, value: 'x', headers: { 'tenant-id': BRAVO.id } },
        // on a shared partition, claims to be alpha (header and key agree) but is not encrypted
        { partition: 0, key: `${ALPHA.id}:forged-2`, value: 'x', headers: { 'tenant-id': ALPHA.id } },
        // on a shared partition, header and key disagree
        { partition: 1, key: `${BRAVO.id}:forged-3`, value: 'x', headers: { 'tenant-id': ALPHA.id } },
      ],
    });
    await raw.disconnect();

    alphaConsumer = new TenantConsumer({
      tenant: ALPHA,
      kafka,
      group: alphaGroup,
      keyProvider: keys,
      partitionMap,
      dedicated: true,
      logger: { warn: () => {} },
    });
    platformConsumer = new PlatformConsumer({
      kafka,
      groupId: platformGroup,
      tenants: [ALPHA, BRAVO],
      keyProvider: keys,
      logger: { warn: () => {} },
    });
    for (const [consumer, seen] of [
      [alphaConsumer, alphaSeen],
      [platformConsumer, platformSeen],
    ] as const) {
      await consumer.connect();
      cleanups.unshift(() => consumer.disconnect());
      await consumer.subscribe([TOPIC], { fromBeginning: true });
      await consumer.run(async (r) => {
        seen.push(r);
      });
    }
    await eventually("the dedicated consumer to see alpha's records and the forged one", () => {
      const m = alphaConsumer.metrics();
      return m.accepted >= PER_TENANT && m.rejected.tenant_mismatch >= 1;
    });
    await eventually('the platform consumer to see every record', () => {
      const m = platformConsumer.metrics();
      return m.accepted >= 2 * PER_TENANT && m.rejected.tenant_mismatch + m.rejected.unencrypted_record >= 3;
    });
  }, TIMEOUT_MS);

  afterAll(async () => {
    for (const cleanup of cleanups)
      await cleanup().catch((e: unknown) => console.error(`cleanup failed: ${String(e)}`));
  }, TIMEOUT_MS);

  it("the dedicated consumer reads exactly alpha's records, decrypted, only from alpha's partitions", () => {
    expect(alphaSeen).toHaveLength(PER_TENANT);
    expect(new Set(alphaSeen.map((r) => r.partition))).toEqual(new Set([4, 5]));
    for (const r of alphaSeen) {
      expect(r.tenantId).toBe(ALPHA.id);
      expect(r.key).toBe(`${ALPHA.id}:${r.aggregateId}`);
      expect(r.eventType).toBe('order.placed');
      expect(r.encrypted).toBe(true);
      expect(r.headers['enc-kek']?.toString()).toBe(`${ALPHA.id}/v1`);
      const i = Number(r.aggregateId.replace('order-', ''));
      expect(r.value!.toString()).toBe(value(ALPHA.id, i));
    }
  });

  it("the dedicated consumer rejects the forged record on alpha's partition", () => {
    expect(alphaConsumer.metrics().rejected).toEqual({
      tenant_mismatch: 1,
      unencrypted_record: 0,
      decryption_failed: 0,
    });
  });

  it("puts bravo's records only on the non-dedicated partitions", () => {
    const bravo = platformSeen.filter((r) => r.tenantId === BRAVO.id);
    expect(bravo).toHaveLength(PER_TENANT);
    for (const r of bravo) {
      expect([0, 1, 2, 3]).toContain(r.partition);
      expect(r.encrypted).toBe(false);
      expect(r.headers['tenant-id']?.toString()).toBe(BRAVO.id);
    }
  });

  it("the platform consumer reads both tenants, decrypts alpha with alpha's key, and rejects the forgeries", () => {
    const alpha = platformSeen.filter((r) => r.tenantId === ALPHA.id);
    expect(alpha).toHaveLength(PER_TENANT);
    expect(alpha.every((r) => r.value!.toString().includes(`"tenant":"${ALPHA.id}"`))).toBe(true);
    expect(platformConsumer.metrics().rejected).toEqual({
      tenant_mismatch: 2,
      unencrypted_record: 1,
      decryption_failed: 0,
    });
  });

  it(
    "replayTenant rewinds alpha's own group on alpha's partitions only",
    async () => {
      await alphaConsumer.disconnect();
      const result = await replayTenant(admin, ALPHA.id, alphaGroup, TOPIC, 'earliest', { partitionMap });
      expect(result.groupId).toBe(`${ALPHA.id}.${alphaGroup}`);
      expect(result.partitions.map((p) => p.partition)).toEqual([4, 5]);
      const [alphaOffsets] = await admin.fetchOffsets({ groupId: result.groupId, topics: [TOPIC] });
      for (const p of alphaOffsets!.partitions.filter((x) => [4, 5].includes(x.partition))) expect(p.offset).toBe('0');
      // the platform's group kept its position
      const [platformOffsets] = await admin.fetchOffsets({ groupId: platformGroup, topics: [TOPIC] });
      const committed = platformOffsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      expect(committed).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
