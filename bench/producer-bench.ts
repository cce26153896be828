/**
 * Benchmark: TenantProducer vs a raw kafkajs producer on the local platform, same principal, same topic, same
 * records, same run.
 *
 *   npm run bench:producer -- [messages=20000] [valueBytes=512] [principal=bigshop.checkout]
 *
 * Needs the local platform up and the example fleet deployed (`kafka-tenancy local up`, `kafka-tenancy deploy`).
 * Brokers come from environments/local.yaml, the principal's SCRAM password from the environment's secret
 * source; no admin credentials are used. Every variant writes `shared.orders.placed` as that deployed shared-tier
 * principal, so all of them run under the SAME broker quota: the principal's producer_byte_rate (bigshop.checkout
 * has the highest of the shared tier, 4 MiB/s; the tier default is 512 KiB/s, too little for 20k records in a
 * minute).
 *
 * How the quota is kept from deciding the result: the variants run in blocks (raw, plain, encrypted, encrypted,
 * plain, raw — so drift cancels out), and every block starts after the principal's quota window has emptied
 * (quota.window.num × quota.window.size.seconds of the local cluster: 3 s). A block that fits in the burst the
 * quota allows after a quiet window is not throttled, and the msg/s are the client's; kafkajs' debug log says when
 * the broker did throttle, and the output reports it per variant. The line "SDK work without the broker" is the
 * SDK's own cost on the same records (sent to a producer that returns at once).
 *
 * Wall-clock msg/s on a shared machine are noisy (the output shows the spread over blocks); the client CPU per
 * record (user + system time of this process) is the steadier measure of what the SDK adds; its ratios are raw's
 * CPU per record over the variant's, so 1.00x means "costs what raw kafkajs costs" and lower is more expensive.
 *
 * The raw producer writes exactly what TenantProducer writes for a tenant without encryption (key
 * `{tenant}:{aggregateId}`, `tenant-id` and `event-type` headers) to the same partitions (the tenant's, from the
 * partition map), so the records are valid and stay on the tenant's partitions. It builds keys, headers and
 * partitions inside the timed section, like the SDK variants: the ratio is the SDK's cost over doing the record
 * conventions by hand. `KAFKA_TENANCY_ENV` picks another environment than `local` (e.g. a throwaway cluster).
 * The encrypted variant uses the local environment's keyring (`localKeyringFor`, .local/secrets/keys-local.json),
 * so platform consumers of the local platform can decrypt what it writes. The client-side rate limiter is off.
 */
import * as crypto from 'node:crypto';
import { type Kafka, type LogEntry, type Message, type Producer, Partitioners, logLevel } from 'kafkajs';
import { kafkaClient } from '../src/kafka/client';
import { type PrincipalModel, type TenantModel, loadModel, sharedTopicName } from '../src/model';
import { secretName as scramSecretName } from '../src/naming';
import { secretSourceFor } from '../src/secrets';
import {
  ENVELOPE_OVERHEAD_BYTES,
  PartitionMapIndex,
  TenantProducer,
  type TenantRecord,
  buildRecordKey,
  envelopeHeaderBytes,
  localKeyringFor,
  partitionForRecord,
} from '../src/sdk';

const TOPIC_LOGICAL = 'orders.placed';
const BATCH = 500;
const MAX_MESSAGES = 200_000;
/** Refuse runs that the principal's quota alone would stretch beyond this. */
const MAX_ESTIMATED_SECONDS = 90;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function intArg(arg: string | undefined, fallback: number, min: number, max: number, what: string): number {
  if (arg === undefined) return fallback;
  const n = Number(arg);
  if (!Number.isInteger(n) || n < min || n > max) fail(`${what}: expected an integer in ${min}..${max}, got ${arg}`);
  return n;
}

type Variant = 'raw' | 'plain' | 'encrypted';
const VARIANTS: readonly Variant[] = ['raw', 'plain', 'encrypted'];
/** Each variant runs in 4 blocks, one quarter of the records each; mirrored so slow drift cancels out. */
const MIRRORED: readonly Variant[] = ['raw', 'plain', 'encrypted', 'encrypted', 'plain', 'raw'];
const SCHEDULE: readonly Variant[] = [...MIRRORED, ...MIRRORED];
const BLOCKS = SCHEDULE.length / VARIANTS.length;

interface Tally {
  /** msg/s of each block, to show the spread. */
  blockRates: number[];
  seconds: number;
  /** CPU time of this process (user + system), µs: the client's cost, less disturbed by other load than wall time. */
  cpuMicros: number;
  messages: number;
  bytes: number;
  throttledMs: number;
  throttledResponses: number;
}

async function main(): Promise<void> {
  const messages = intArg(process.argv[2], 20_000, 2, MAX_MESSAGES, 'messages');
  const valueBytes = intArg(process.argv[3], 512, 32, 1_000_000, 'valueBytes');
  const username = process.argv[4] ?? 'bigshop.checkout';

  // KAFKA_TENANCY_ENV runs it against another environment (e.g. a throwaway single-broker one).
  const model = loadModel({ env: process.env.KAFKA_TENANCY_ENV ?? 'local' });
  const env = model.env;
  const topic = sharedTopicName(TOPIC_LOGICAL);
  let owner: TenantModel | undefined;
  let principal: PrincipalModel | undefined;
  for (const t of model.tenants) {
    const p = t.principals.find((x) => x.username === username);
    if (p) [owner, principal] = [t, p];
  }
  if (!owner || !principal) fail(`no principal "${username}" in the example fleet`);
  if (owner.tier !== 'shared' || !principal.produces.includes(TOPIC_LOGICAL)) {
    fail(`"${username}" is not a shared-tier principal that produces ${TOPIC_LOGICAL}; try bigshop.checkout`);
  }
  const password = secretSourceFor(env).get(scramSecretName(username));
  if (!password) fail(`no SCRAM password for "${username}": deploy the fleet first (kafka-tenancy deploy)`);
  const quota = principal.quota.producerByteRate;
  const broker = env.clusters[env.sharedCluster].local?.serverProperties ?? {};
  const windows = Number(broker['quota.window.num'] ?? 11);
  const windowMs = Number(broker['quota.window.size.seconds'] ?? 1) * 1000;
  /** Kafka measures a rate over at least (windows − 1) full windows: this much can go at once after a quiet spell. */
  const burstBytes = (quota * ((windows - 1) * windowMs)) / 1000;

  // Upper bound: the quiet windows, plus every byte at the quota's rate (envelope + key + headers + ~70 bytes of
  // record and batch framing per record) as if every block were throttled.
  const quietMs = windows * windowMs + 500;
  const estimate =
    (SCHEDULE.length * quietMs) / 1000 + (3 * messages * (valueBytes + ENVELOPE_OVERHEAD_BYTES + 150)) / quota;
  if (estimate > MAX_ESTIMATED_SECONDS) {
    fail(
      `${messages} messages of ${valueBytes} bytes could take ~${estimate.toFixed(0)} s as ${username} (quota ` +
        `${(quota / 1024).toFixed(0)} KiB/s, quota window ${windows} × ${windowMs / 1000} s); use fewer or smaller messages`,
    );
  }

  const partitionMap = new PartitionMapIndex(model.partitionMap);
  const tenantId = owner.id;
  const keys = localKeyringFor(env.name, [tenantId]);

  let current: Variant | undefined;
  const tally = Object.fromEntries(
    VARIANTS.map((v): [Variant, Tally] => [
      v,
      { blockRates: [], seconds: 0, cpuMicros: 0, messages: 0, bytes: 0, throttledMs: 0, throttledResponses: 0 },
    ]),
  ) as Record<Variant, Tally>;
  // kafkajs honours the broker's throttle time silently; its debug log is the only place that says so.
  const logCreator = () => (entry: LogEntry) => {
    const m = /^Client side throttling in effect for (\d+)ms/.exec(entry.log.message);
    if (m && current) {
      tally[current].throttledMs += Number(m[1]);
      tally[current].throttledResponses++;
    }
  };
  const kafka: Kafka = kafkaClient(
    env.clusters[env.sharedCluster].bootstrapServers,
    { username, password },
    { clientId: `kafka-tenancy-bench-${username}`, logLevel: logLevel.DEBUG, logCreator, requestTimeoutMs: 30_000 },
  );

  const run = `bench-${crypto.randomBytes(4).toString('hex')}`;
  // The same payloads for every variant: JSON-ish filler of the requested size.
  const values = [...Array(messages).keys()].map((i) =>
    Buffer.from(`{"i":${i},"pad":"`.padEnd(valueBytes - 2, 'x') + '"}'),
  );
  // One-letter variant tags: every variant's keys have the same length.
  const aggregateId = (tag: 'r' | 'p' | 'e', i: number) => `${run}-${tag}-${i}`;
  const recordsFor = (tag: 'p' | 'e'): TenantRecord[] =>
    values.map((value, i) => ({ topic, aggregateId: aggregateId(tag, i), eventType: 'order.placed', value }));
  const records = { plain: recordsFor('p'), encrypted: recordsFor('e') };
  const rawAggregateIds = values.map((_, i) => aggregateId('r', i));
  // The raw side does the same key / header / partition work as TenantProducer, inside its timed region, so the
  // ratio is what the SDK adds on top of doing the conventions by hand.
  const rawMessages = (from: number, to: number): Message[] => {
    const out: Message[] = [];
    for (let i = from; i < to; i++) {
      const key = buildRecordKey(tenantId, rawAggregateIds[i]!);
      out.push({
        key,
        value: values[i]!,
        partition: partitionForRecord(partitionMap, topic, tenantId, key),
        headers: { 'tenant-id': tenantId, 'event-type': 'order.placed' },
      });
    }
    return out;
  };
  const firstRaw = rawMessages(0, 1)[0]!;
  // Key + value + header bytes of one record (the same for raw and plain); the envelope adds `envelope`.
  const headers = firstRaw.headers!;
  const recordBytes =
    Buffer.byteLength(firstRaw.key as string) +
    valueBytes +
    Object.entries(headers).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(String(v)), 0);
  const envelope = ENVELOPE_OVERHEAD_BYTES + envelopeHeaderBytes(tenantId, (await keys.currentKek(tenantId)).version);

  const raw: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const plain = new TenantProducer({ tenant: { id: tenantId, encryption: false }, kafka, partitionMap });
  const encrypted = new TenantProducer({
    tenant: { id: tenantId, encryption: true },
    kafka,
    keyProvider: keys,
    partitionMap,
  });
  const block = Math.ceil(messages / BLOCKS);
  const connected: { disconnect(): Promise<void> }[] = [];
  try {
    for (const p of [raw, plain, encrypted]) {
      await p.connect();
      connected.push(p);
    }
    const send: Record<Variant, (from: number, to: number) => Promise<unknown>> = {
      raw: (from, to) => raw.sendBatch({ topicMessages: [{ topic, messages: rawMessages(from, to) }] }),
      plain: (from, to) => plain.sendBatch(records.plain.slice(from, to)),
      encrypted: (from, to) => encrypted.sendBatch(records.encrypted.slice(from, to)),
    };
    const sendRange = async (variant: Variant, from: number, to: number) => {
      for (let i = from; i < to; i += BATCH) await send[variant](i, Math.min(to, i + BATCH));
    };

    // Not synchronisation: the broker keeps no usage we could poll, its quota window simply has to pass.
    const quietQuotaWindow = () => new Promise((resolve) => setTimeout(resolve, quietMs));

    // Warm-up: connections, metadata, JIT.
    const warm = Math.min(messages, 1_000);
    for (const v of VARIANTS) await sendRange(v, 0, warm);

    const runs = new Map<Variant, number>();
    for (const v of SCHEDULE) {
      const n = runs.get(v) ?? 0;
      runs.set(v, n + 1);
      const [from, to] = [n * block, Math.min(messages, (n + 1) * block)];
      await quietQuotaWindow();
      current = v;
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      await sendRange(v, from, to);
      const cpu = process.cpuUsage(cpu0);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      tally[v].cpuMicros += cpu.user + cpu.system;
      tally[v].seconds += seconds;
      tally[v].blockRates.push((to - from) / seconds);
      current = undefined;
      tally[v].messages += to - from;
      tally[v].bytes += (to - from) * (recordBytes + (v === 'encrypted' ? envelope : 0));
    }
  } finally {
    for (const p of connected) await p.disconnect().catch(() => undefined);
  }

  // The SDK's own work with the broker taken out: the same records through TenantProducer into a producer
  // that returns at once (key and header building, placement, validation, envelope encryption).
  const nullProducer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: async () => [],
  } as unknown as Producer;
  const clientSide = async (encrypt: boolean): Promise<{ seconds: number; cpuMicros: number }> => {
    const p = new TenantProducer({
      tenant: { id: tenantId, encryption: encrypt },
      producer: nullProducer,
      partitionMap,
      ...(encrypt ? { keyProvider: keys } : {}),
    });
    const recs = encrypt ? records.encrypted : records.plain;
    for (let i = 0; i < Math.min(messages, 2_000); i += BATCH) await p.sendBatch(recs.slice(i, i + BATCH));
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < messages; i += BATCH) await p.sendBatch(recs.slice(i, i + BATCH));
    const cpu = process.cpuUsage(cpu0);
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuMicros: cpu.user + cpu.system };
  };
  const sdkPlain = await clientSide(false);
  const sdkEnc = await clientSide(true);

  const rate = (t: Tally) => t.messages / t.seconds;
  const kib = (t: Tally) => t.bytes / t.seconds / 1024;
  const throttle = (t: Tally) =>
    t.throttledResponses === 0
      ? 'not throttled'
      : `throttled ${t.throttledResponses}× for ${(t.throttledMs / 1000).toFixed(1)} s in total`;
  const line = (label: string, t: Tally, baseline?: Tally) =>
    `${label.padEnd(34)} ${rate(t).toFixed(0).padStart(7)} msg/s  ` +
    `${baseline ? `${(rate(t) / rate(baseline)).toFixed(2)}x raw` : 'baseline'.padEnd(7)}  ` +
    `(blocks ${Math.min(...t.blockRates).toFixed(0)}–${Math.max(...t.blockRates).toFixed(0)}; ` +
    `client CPU ${(t.cpuMicros / t.messages).toFixed(1)} µs/record` +
    // Same direction as msg/s: raw's CPU per record over this variant's (1.00x = costs what raw costs).
    `${baseline ? ` → ${(baseline.cpuMicros / baseline.messages / (t.cpuMicros / t.messages)).toFixed(2)}x raw` : ''}; ` +
    `${kib(t).toFixed(0)} KiB/s of records; ${throttle(t)})`;
  const usPerRecord = (micros: number) => (micros / messages).toFixed(1);
  const lines = [
    `principal ${username} (tenant ${tenantId}, shared tier) → ${topic} partitions ` +
      `[${partitionMap.partitionsFor(topic, tenantId).join(', ')}]; broker quota producer_byte_rate ` +
      `${(quota / 1024).toFixed(0)} KiB/s. All variants run as this principal, under this same quota.`,
    `messages per variant: ${messages}, value: ${valueBytes} bytes, key + value + headers: ${recordBytes} bytes ` +
      `(+${envelope} encrypted), batches of ${BATCH}, acks=all, no compression; ${BLOCKS} blocks per variant ` +
      `(${SCHEDULE.join(', ')}), each after a quiet quota window (${windows} × ${windowMs / 1000} s), ` +
      `burst after a quiet window ≈ ${(burstBytes / 1048576).toFixed(1)} MiB, largest block ` +
      `${((block * (recordBytes + envelope)) / 1048576).toFixed(1)} MiB`,
    line('raw kafkajs producer:', tally.raw),
    line('TenantProducer, no encryption:', tally.plain, tally.raw),
    line('TenantProducer, envelope (batch):', tally.encrypted, tally.raw),
    `encryption overhead per record:     ${ENVELOPE_OVERHEAD_BYTES} bytes of value + ` +
      `${envelope - ENVELOPE_OVERHEAD_BYTES} bytes of headers (enc-v, enc-kek) = ${envelope} bytes ` +
      `(${((envelope / valueBytes) * 100).toFixed(1)}% of a ${valueBytes}-byte value)`,
    `SDK work without the broker:        no encryption ${(messages / sdkPlain.seconds).toFixed(0)} msg/s ` +
      `(${usPerRecord(sdkPlain.cpuMicros)} µs CPU/record), envelope ${(messages / sdkEnc.seconds).toFixed(0)} msg/s ` +
      `(${usPerRecord(sdkEnc.cpuMicros)} µs CPU/record)`,
  ];
  if ([tally.raw, tally.plain, tally.encrypted].some((t) => t.throttledResponses > 0)) {
    lines.push(
      `note: the broker throttled the principal, so these msg/s are bounded by its quota rather than by the ` +
        `client alone; throttled variants pay for their bytes (the envelope adds ${envelope} per record), and the ` +
        `line "SDK work without the broker" is the SDK's own cost. Fewer or smaller messages stay within the burst.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
