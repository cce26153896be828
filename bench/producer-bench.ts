/**
 * Benchmark: TenantProducer vs a raw kafkajs producer, same broker, same run, same messages.
 *
 *   KAFKA_TENANCY_IT_SHARED='{"brokers":["127.0.0.1:19092"],"admin":{"username":"admin","password":"…"}}' \
 *     npx tsc -p tsconfig.json && node dist/bench/producer-bench.js [messages=20000] [valueBytes=512]
 *
 * Prints messages/s of each variant, the ratio to raw, and the envelope overhead in bytes per record. Creates a
 * random-suffixed topic and deletes it at the end. The rate limiter is off: this measures the SDK's own cost
 * (key/header building, placement, encryption), not a limit.
 */
import * as crypto from 'node:crypto';
import { Kafka, type Message, type Producer, logLevel } from 'kafkajs';
import {
  ENVELOPE_OVERHEAD_BYTES,
  LocalKeyring,
  PartitionMapIndex,
  TenantProducer,
  type TenantRecord,
  envelopeHeaderBytes,
} from '../src/sdk';

const MAX_MESSAGES = 200_000;
const BATCH = 500;
const PARTITIONS = 6;

interface Contract {
  brokers: string[];
  admin: { username: string; password: string };
}

function contract(): Contract {
  const raw = process.env.KAFKA_TENANCY_IT_SHARED;
  if (!raw) {
    process.stderr.write(
      'KAFKA_TENANCY_IT_SHARED is not set; point it at the shared cluster: ' +
        '{"brokers":["127.0.0.1:19092"],"admin":{"username":"admin","password":"..."}}\n',
    );
    process.exit(2);
  }
  return JSON.parse(raw) as Contract;
}

function intArg(arg: string | undefined, fallback: number, min: number, max: number): number {
  if (arg === undefined) return fallback;
  const n = Number(arg);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`expected an integer in ${min}..${max}, got ${arg}\n`);
    process.exit(2);
  }
  return n;
}

async function timed(label: string, run: () => Promise<void>, messages: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = messages / seconds;
  process.stderr.write(`${label}: ${messages} messages in ${seconds.toFixed(2)} s\n`);
  return rate;
}

async function main(): Promise<void> {
  const messages = intArg(process.argv[2], 20_000, 1, MAX_MESSAGES);
  const valueBytes = intArg(process.argv[3], 512, 32, 1_000_000);
  const c = contract();
  const suffix = crypto.randomBytes(4).toString('hex');
  const topic = `shared.bench-${suffix}`;
  const tenant = { id: 'bench-tenant', encryption: true };
  const kafka = new Kafka({
    clientId: `kafka-tenancy-bench-${suffix}`,
    brokers: c.brokers,
    ssl: false,
    sasl: { mechanism: 'scram-sha-512', ...c.admin },
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });
  const producers: { disconnect(): Promise<void> }[] = [];
  try {
    const partitionMap = new PartitionMapIndex({
      version: 1,
      environment: 'bench',
      topics: { [topic]: { partitions: PARTITIONS, dedicated: {} } },
    });
    const keys = LocalKeyring.inMemory([tenant.id]);
    // The same payloads for every variant: JSON-ish filler of the requested size.
    const values = [...Array(messages).keys()].map((i) =>
      Buffer.from(`{"i":${i},"pad":"`.padEnd(valueBytes - 2, 'x') + '"}'),
    );
    const records: TenantRecord[] = values.map((value, i) => ({
      topic,
      aggregateId: `order-${i}`,
      eventType: 'order.placed',
      value,
    }));
    const rawMessages: Message[] = values.map((value, i) => ({
      key: `${tenant.id}:order-${i}`,
      value,
      headers: { 'tenant-id': tenant.id, 'event-type': 'order.placed' },
    }));

    const raw: Producer = kafka.producer({ allowAutoTopicCreation: false });
    const plain = new TenantProducer({ tenant: { ...tenant, encryption: false }, kafka, partitionMap });
    const encrypted = new TenantProducer({ tenant, kafka, keyProvider: keys, partitionMap });
    for (const p of [raw, plain, encrypted]) {
      await p.connect();
      producers.push(p);
    }

    const inBatches = async (send: (from: number, to: number) => Promise<unknown>, count = messages) => {
      for (let from = 0; from < count; from += BATCH) await send(from, Math.min(count, from + BATCH));
    };
    const sendRaw = (count?: number) =>
      inBatches(
        (from, to) => raw.sendBatch({ topicMessages: [{ topic, messages: rawMessages.slice(from, to) }] }),
        count,
      );
    const sendPlain = (count?: number) => inBatches((from, to) => plain.sendBatch(records.slice(from, to)), count);
    const sendEncrypted = (count?: number) =>
      inBatches((from, to) => encrypted.sendBatch(records.slice(from, to)), count);

    // Warm-up: connections, metadata, JIT.
    const warm = Math.min(messages, 2_000);
    await sendRaw(warm);
    await sendPlain(warm);
    await sendEncrypted(warm);

    const rawRate = await timed('raw kafkajs', () => sendRaw(), messages);
    const plainRate = await timed('TenantProducer (no encryption)', () => sendPlain(), messages);
    const encRate = await timed('TenantProducer (AES-256-GCM envelope)', () => sendEncrypted(), messages);

    const headerBytes = envelopeHeaderBytes(tenant.id, 1);
    const lines = [
      `messages per variant: ${messages}, value size: ${valueBytes} bytes, batches of ${BATCH}, ${PARTITIONS} partitions`,
      `raw kafkajs producer:              ${rawRate.toFixed(0)} msg/s (baseline)`,
      `TenantProducer, no encryption:     ${plainRate.toFixed(0)} msg/s (${(plainRate / rawRate).toFixed(2)}x raw)`,
      `TenantProducer, envelope (batch):  ${encRate.toFixed(0)} msg/s (${(encRate / rawRate).toFixed(2)}x raw)`,
      `encryption overhead per record:    ${ENVELOPE_OVERHEAD_BYTES} bytes of value + ${headerBytes} bytes of headers ` +
        `(enc-v, enc-kek=${tenant.id}/v1) = ${ENVELOPE_OVERHEAD_BYTES + headerBytes} bytes ` +
        `(${(((ENVELOPE_OVERHEAD_BYTES + headerBytes) / valueBytes) * 100).toFixed(1)}% of a ${valueBytes}-byte value)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const p of producers) await p.disconnect().catch(() => undefined);
    await admin
      .deleteTopics({ topics: [topic] })
      .catch((e: unknown) => process.stderr.write(`cleanup: ${String(e)}\n`));
    await admin.disconnect();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
