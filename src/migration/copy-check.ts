/**
 * Did the copier copy exactly the tenant's records, each once, in order? `compareCopiedRecords` reads the shared
 * source topics (keeping only the tenant's records, by the copier's own rule `classifyRecord`) and the target topics
 * (read_committed, so aborted transactions do not count) and hands both to `compareCopies`, a pure function:
 *
 * - per target partition, the count and a sha256 over the records (key, value, headers without `kt-origin-*`)
 *   taken key by key (keys sorted) and, within a key, in source order: equal digests mean the same multiset of
 *   records and the same order per key, whatever the interleaving of keys;
 * - per key, the sequence itself: a difference is reported as missing or unexpected records (a duplicate is an
 *   unexpected one) or, when the multisets agree, as an order difference;
 * - every target record must be the tenant's, sit in the partition its key maps to, and name a declared origin.
 *
 * Mismatches name keys by a short sha256 (`keyHash`), never by the key: aggregate ids may be personal data.
 */
import * as crypto from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { type ClientCredentials, type Endpoint, kafkaClient } from '../kafka/client';
import { DeadlineExceeded, withDeadline } from '../kafka/deadline';
import { HEADERS, ORIGIN_HEADER_PREFIX, singleHeader } from '../sdk';
import { type CopyRoute, classifyRecord, migrationId, targetPartitionFor } from './copier';

/** A record as read, in offset order within its partition. */
export interface ReadRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  readonly offset: string;
}

export interface PartitionRecords {
  readonly topic: string;
  readonly partition: number;
  /** In offset order. */
  readonly records: readonly ReadRecord[];
}

export type CopyMismatchKind =
  'count' | 'digest' | 'missing' | 'unexpected' | 'order' | 'misplaced' | 'foreign' | 'undeclared-origin';

export interface CopyMismatch {
  readonly kind: CopyMismatchKind;
  readonly topic: string;
  readonly partition: number;
  /** First 16 hex digits of sha256(record key). */
  readonly keyHash?: string;
  readonly expected?: number | string;
  readonly actual?: number | string;
  readonly message: string;
}

export interface PartitionComparison {
  readonly topic: string;
  readonly partition: number;
  readonly expectedCount: number;
  readonly actualCount: number;
  readonly expectedSha256: string;
  readonly actualSha256: string;
}

export interface CopyComparison {
  readonly ok: boolean;
  readonly partitions: readonly PartitionComparison[];
  readonly mismatches: readonly CopyMismatch[];
}

/** The headers that identify a record's content: every header but the copier's `kt-origin-*`, sorted by name. */
function contentHeaders(headers: IHeaders): [string, Buffer[]][] {
  return Object.keys(headers)
    .filter((h) => !h.startsWith(ORIGIN_HEADER_PREFIX) && headers[h] !== undefined)
    .sort()
    .map((h) => {
      const v = headers[h]!;
      const list = Array.isArray(v) ? v : [v];
      return [h, list.map((x) => (typeof x === 'string' ? Buffer.from(x, 'utf8') : x))];
    });
}

function lengthPrefixed(hash: crypto.Hash, b: Buffer | null): void {
  const len = Buffer.alloc(5);
  if (b === null) len.writeUInt8(0, 0);
  else {
    len.writeUInt8(1, 0);
    len.writeUInt32BE(b.length, 1);
  }
  hash.update(len);
  if (b) hash.update(b);
}

/** sha256 of what the copier must preserve: key, value and the content headers (length-prefixed, unambiguous). */
export function recordFingerprint(r: Pick<ReadRecord, 'key' | 'value' | 'headers'>): string {
  const hash = crypto.createHash('sha256');
  lengthPrefixed(hash, r.key);
  lengthPrefixed(hash, r.value);
  for (const [name, values] of contentHeaders(r.headers)) {
    lengthPrefixed(hash, Buffer.from(name, 'utf8'));
    for (const v of values) lengthPrefixed(hash, v);
  }
  return hash.digest('hex');
}

export function keyHash(key: Buffer | null): string {
  return crypto
    .createHash('sha256')
    .update(key ?? Buffer.alloc(0))
    .digest('hex')
    .slice(0, 16);
}

/** Per key (hex of the key bytes): the fingerprints in order. */
type KeySequences = Map<string, string[]>;

function digestOf(seqs: KeySequences): string {
  const hash = crypto.createHash('sha256');
  for (const k of [...seqs.keys()].sort()) {
    hash.update(`${k}:`);
    for (const f of seqs.get(k)!) hash.update(`${f},`);
    hash.update(';');
  }
  return hash.digest('hex');
}

const countOf = (seqs: KeySequences) => [...seqs.values()].reduce((n, s) => n + s.length, 0);

/**
 * Compare what the copier should have written (the tenant's records of the routes' sources, `sources`: every
 * partition of every source, records in offset order, other tenants' records allowed: they are filtered here) with
 * what the targets hold (`targets`: every partition of every target, read_committed, in offset order).
 */
export function compareCopies(
  tenantId: string,
  routes: readonly CopyRoute[],
  sources: readonly PartitionRecords[],
  targets: readonly PartitionRecords[],
): CopyComparison {
  const routeOf = new Map(routes.map((r) => [r.source, r]));
  const originsOf = new Map<string, string[]>();
  for (const r of routes) originsOf.set(r.target, [...(originsOf.get(r.target) ?? []), r.source]);
  const partitionsOf = new Map(routes.map((r) => [r.target, r.targetPartitions]));
  const where = (topic: string, p: number) => `${topic}\u0000${p}`;
  const expected = new Map<string, KeySequences>();
  const actual = new Map<string, KeySequences>();
  const push = (m: Map<string, KeySequences>, at: string, key: Buffer, f: string) => {
    let seqs = m.get(at);
    if (!seqs) m.set(at, (seqs = new Map()));
    const k = key.toString('hex');
    let s = seqs.get(k);
    if (!s) seqs.set(k, (s = []));
    s.push(f);
  };
  for (const r of routes) for (let p = 0; p < r.targetPartitions; p++) expected.set(where(r.target, p), new Map());

  for (const src of [...sources].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
    const route = routeOf.get(src.topic);
    if (!route) continue;
    for (const rec of src.records) {
      if (classifyRecord(tenantId, rec.key, rec.headers).kind !== 'copy') continue;
      const p = targetPartitionFor(rec.key!, route.targetPartitions);
      push(expected, where(route.target, p), rec.key!, recordFingerprint(rec));
    }
  }

  const mismatches: CopyMismatch[] = [];
  for (const t of targets) {
    const declared = originsOf.get(t.topic);
    if (!declared) continue;
    for (const rec of t.records) {
      const base = { topic: t.topic, partition: t.partition, keyHash: keyHash(rec.key) };
      const origin = singleHeader(rec.headers, HEADERS.originTopic);
      if (classifyRecord(tenantId, rec.key, withoutOrigin(rec.headers)).kind !== 'copy') {
        mismatches.push({ ...base, kind: 'foreign', message: `offset ${rec.offset} is not a record of "${tenantId}"` });
        continue;
      }
      if (origin === undefined || origin === 'multiple' || !declared.includes(origin)) {
        mismatches.push({
          ...base,
          kind: 'undeclared-origin',
          actual: origin === undefined ? '(none)' : origin === 'multiple' ? '(repeated)' : origin.slice(0, 249),
          message: `offset ${rec.offset} does not name a declared origin (${declared.join(', ')})`,
        });
      }
      const p = targetPartitionFor(rec.key!, partitionsOf.get(t.topic)!);
      if (p !== t.partition) {
        mismatches.push({
          ...base,
          kind: 'misplaced',
          expected: p,
          actual: t.partition,
          message: `offset ${rec.offset} belongs in partition ${p} by its key`,
        });
      }
      push(actual, where(t.topic, t.partition), rec.key!, recordFingerprint(rec));
    }
  }

  const partitions: PartitionComparison[] = [];
  const places = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const at of places) {
    const [topic, partition] = [at.split('\u0000')[0]!, Number(at.split('\u0000')[1])];
    const exp = expected.get(at) ?? new Map<string, string[]>();
    const act = actual.get(at) ?? new Map<string, string[]>();
    const cmp: PartitionComparison = {
      topic,
      partition,
      expectedCount: countOf(exp),
      actualCount: countOf(act),
      expectedSha256: digestOf(exp),
      actualSha256: digestOf(act),
    };
    partitions.push(cmp);
    const base = { topic, partition };
    if (cmp.expectedCount !== cmp.actualCount) {
      mismatches.push({
        ...base,
        kind: 'count',
        expected: cmp.expectedCount,
        actual: cmp.actualCount,
        message: `${cmp.actualCount} record(s), expected ${cmp.expectedCount}`,
      });
    }
    if (cmp.expectedSha256 !== cmp.actualSha256) {
      mismatches.push({
        ...base,
        kind: 'digest',
        expected: cmp.expectedSha256,
        actual: cmp.actualSha256,
        message: 'sha256 over the records per key in source order differs',
      });
    }
    for (const k of [...new Set([...exp.keys(), ...act.keys()])].sort()) {
      const e = exp.get(k) ?? [];
      const a = act.get(k) ?? [];
      if (e.length === a.length && e.every((f, i) => f === a[i])) continue;
      const kh = keyHash(Buffer.from(k, 'hex'));
      const { missing, unexpected } = multisetDifference(e, a);
      if (missing > 0) {
        mismatches.push({
          ...base,
          keyHash: kh,
          kind: 'missing',
          expected: e.length,
          actual: a.length,
          message: `${missing} record(s) of the key were not copied`,
        });
      }
      if (unexpected > 0) {
        mismatches.push({
          ...base,
          keyHash: kh,
          kind: 'unexpected',
          expected: e.length,
          actual: a.length,
          message: `${unexpected} record(s) of the key are not in the source (or are there fewer times: duplicates)`,
        });
      }
      if (missing === 0 && unexpected === 0) {
        mismatches.push({
          ...base,
          keyHash: kh,
          kind: 'order',
          message: 'the same records of the key, in another order than in the source',
        });
      }
    }
  }
  return { ok: mismatches.length === 0, partitions, mismatches };
}

function withoutOrigin(headers: IHeaders): IHeaders {
  const out: IHeaders = {};
  for (const h of Object.keys(headers)) if (!h.startsWith(ORIGIN_HEADER_PREFIX)) out[h] = headers[h];
  return out;
}

/** How many of `expected` are absent from `actual`, and how many of `actual` are beyond `expected`. */
export function multisetDifference(
  expected: readonly string[],
  actual: readonly string[],
): { missing: number; unexpected: number } {
  const counts = new Map<string, number>();
  for (const f of expected) counts.set(f, (counts.get(f) ?? 0) + 1);
  let unexpected = 0;
  for (const f of actual) {
    const n = counts.get(f) ?? 0;
    if (n > 0) counts.set(f, n - 1);
    else unexpected++;
  }
  let missing = 0;
  for (const n of counts.values()) missing += n;
  return { missing, unexpected };
}

export interface ReadOptions {
  /** Whole read, all topics. @default 120_000 */
  readonly timeoutMs?: number;
  /** Group id of the read (deleted afterwards). @default `platform.migration.check.<random>` */
  readonly groupId?: string;
  /**
   * Also return records of open and aborted transactions (diagnostics: how much a killed copier left aborted).
   * @default false - read_committed
   */
  readonly readUncommitted?: boolean;
}

/**
 * Every committed record of `topics`, per partition in offset order, up to the end offsets observed at the start
 * (read_committed: records of open or aborted transactions are not returned; an open transaction holds the read
 * until it ends or `timeoutMs`). Uses a throwaway consumer group, deleted afterwards.
 */
export async function readTopicRecords(
  kafka: Kafka,
  topics: readonly string[],
  options: ReadOptions = {},
): Promise<PartitionRecords[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const groupId = options.groupId ?? `platform.migration.check.${crypto.randomBytes(6).toString('hex')}`;
  const admin = kafka.admin();
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: options.readUncommitted ?? false,
    maxBytesPerPartition: 1_048_576,
  });
  const out = new Map<string, { topic: string; partition: number; records: ReadRecord[]; next: bigint; end: bigint }>();
  const at = (topic: string, p: number) => `${topic}\u0000${p}`;
  try {
    await withDeadline(admin.connect(), left(), 'connecting the admin client');
    for (const topic of topics) {
      for (const o of await withDeadline(admin.fetchTopicOffsets(topic), left(), `reading the offsets of "${topic}"`)) {
        out.set(at(topic, o.partition), {
          topic,
          partition: o.partition,
          records: [],
          next: BigInt(o.low),
          end: BigInt(o.high),
        });
      }
    }
    const complete = () => [...out.values()].every((p) => p.next >= p.end);
    if (!complete()) {
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const advance = (topic: string, partition: number, lastOffset: string) => {
        const p = out.get(at(topic, partition));
        if (p && BigInt(lastOffset) + 1n > p.next) p.next = BigInt(lastOffset) + 1n;
        if (complete()) done();
      };
      // batches of control records only (commit markers) never reach eachBatch; they still advance the position
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) =>
        advance(e.payload.topic, e.payload.partition, e.payload.lastOffset),
      );
      await withDeadline(consumer.connect(), left(), `joining "${groupId}"`);
      await withDeadline(consumer.subscribe({ topics: [...topics], fromBeginning: true }), left(), 'subscribing');
      await withDeadline(
        consumer.run({
          eachBatch: async ({ batch }) => {
            const p = out.get(at(batch.topic, batch.partition));
            if (!p) return;
            for (const m of batch.messages) {
              if (BigInt(m.offset) < p.end) {
                p.records.push({ key: m.key, value: m.value, headers: m.headers ?? {}, offset: m.offset });
              }
            }
          },
        }),
        left(),
        'starting the reader',
      );
      await withDeadline(finished, left(), `reading ${topics.join(', ')} to their end offsets`).catch((e: unknown) => {
        if (!(e instanceof DeadlineExceeded)) throw e;
        const behind = [...out.values()].filter((p) => p.next < p.end).map((p) => `${p.topic}[${p.partition}]`);
        throw new Error(`${e.message}; partitions not read to the end: ${behind.join(', ')}`, { cause: e });
      });
    }
  } finally {
    await withDeadline(consumer.disconnect(), 30_000, 'leaving the group').catch(() => undefined);
    await withDeadline(admin.deleteGroups([groupId]), 30_000, 'deleting the group').catch(() => undefined);
    await withDeadline(admin.disconnect(), 30_000, 'closing the admin client').catch(() => undefined);
  }
  return [...out.values()]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map(({ topic, partition, records }) => ({ topic, partition, records }));
}

export interface CompareOptions extends ReadOptions {
  readonly endpoint: Endpoint;
  readonly credentials: ClientCredentials;
  readonly tenantId: string;
  readonly routes: readonly CopyRoute[];
}

/** Read sources and targets (see `readTopicRecords`) and compare them (`compareCopies`). */
export async function compareCopiedRecords(opts: CompareOptions): Promise<CopyComparison> {
  const kafka = kafkaClient(opts.endpoint, opts.credentials, { clientId: `${migrationId(opts.tenantId)}.check` });
  const read = { timeoutMs: opts.timeoutMs };
  const sources = await readTopicRecords(kafka, [...new Set(opts.routes.map((r) => r.source))], read);
  const targets = await readTopicRecords(kafka, [...new Set(opts.routes.map((r) => r.target))], read);
  return compareCopies(opts.tenantId, opts.routes, sources, targets);
}
