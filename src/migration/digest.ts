/**
 * Proof that a copy is complete and exact: per partition, the number of committed data records and a sha256 over
 * their contents, read on both clusters the same way and compared.
 *
 * Offsets are not compared: the target's differ from the source's by design. MirrorMaker writes with transactions
 * (exactly once), so every transaction leaves a commit marker on each partition it wrote, and the records of a
 * transaction aborted by a kill stay in the log (hidden from read_committed readers) — both take offsets. So the
 * proof is on what a read_committed consumer sees: data records in offset order, control records and aborted
 * records skipped (kafkajs' Batch does both for a read_committed consumer).
 */
import * as crypto from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { type ClientCredentials, type Endpoint, kafkaClient } from '../kafka/client';
import { withDeadline } from '../kafka/deadline';

export interface PartitionDigest {
  readonly partition: number;
  /** Committed data records in [firstOffset, endOffset). */
  readonly count: number;
  /** sha256 (hex) over `recordEncoding` of each of those records, in offset order. */
  readonly sha256: string;
  /** The log start offset when the digest was taken. */
  readonly firstOffset: number;
  /** The end offset (high watermark) when the digest was taken: records written later are not in the digest. */
  readonly endOffset: number;
}

export interface TopicDigest {
  readonly topic: string;
  readonly partitions: readonly PartitionDigest[];
}

export interface DigestOptions {
  /** Everything (connect, read, leave) within this. @default 120000 */
  readonly deadlineMs?: number;
  readonly clientId?: string;
}

/** A committed data record as the scanner hands it over. */
export interface ScannedRecord {
  readonly partition: number;
  readonly offset: number;
  /** The record's timestamp (ms): CreateTime as the producer set it, or the broker's LogAppendTime. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

const EMPTY = crypto.createHash('sha256').digest('hex');

function lengthPrefixed(b: Buffer | null): Buffer[] {
  const len = Buffer.alloc(4);
  len.writeInt32BE(b === null ? -1 : b.length);
  return b === null ? [len] : [len, b];
}

function asBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v);
}

/**
 * The canonical bytes of a record's content: key, value (int32 length, -1 for null, then the bytes), the number of
 * headers, then each header's name and value the same way. Headers in the order kafkajs decoded them: kafkajs
 * gathers repeated names into an array (in their order) and keeps names in first-seen order, except that it
 * cannot tell apart `a,b,a` from `a,a,b`; both sides are decoded alike, so equal records always give equal bytes.
 * Timestamps are left out: MirrorMaker copies them, but they are not content.
 */
export function recordEncoding(key: Buffer | null, value: Buffer | null, headers: IHeaders | undefined): Buffer {
  const flat: Array<[string, Buffer | null]> = [];
  for (const [name, v] of Object.entries(headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) flat.push([name, asBuffer(one)]);
  }
  const count = Buffer.alloc(4);
  count.writeInt32BE(flat.length);
  return Buffer.concat([
    ...lengthPrefixed(key),
    ...lengthPrefixed(value),
    count,
    ...flat.flatMap(([name, v]) => [...lengthPrefixed(Buffer.from(name, 'utf8')), ...lengthPrefixed(v)]),
  ]);
}

/** Log start and end (high watermark) of every partition of a topic, sorted by partition. */
export async function partitionBounds(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000,
): Promise<Array<{ partition: number; start: number; end: number }>> {
  const admin = kafka.admin();
  try {
    return await withDeadline(
      (async () => {
        await admin.connect();
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets
          .map((o) => ({ partition: o.partition, start: Number(o.low), end: Number(o.high) }))
          .sort((a, b) => a.partition - b.partition);
      })(),
      timeoutMs,
      `offsets of ${topic}`,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Read the committed data records of some partitions of a topic, each from `from` up to (not including) `until`,
 * in offset order per partition, calling `onRecord` for each. Returns when every partition has been read past
 * `until - 1` (a control record or an aborted record counts as read: kafkajs reports such batches too).
 *
 * kafkajs has no assign(): this joins a throwaway consumer group (`kafka-tenancy-scan-<random>`, read_committed,
 * nothing committed) and seeks; the group is deleted afterwards (best effort: an empty group without offsets
 * also expires on its own).
 */
export async function scanPartitions(
  kafka: Kafka,
  topic: string,
  plan: ReadonlyMap<number, { readonly from: number; readonly until: number }>,
  onRecord: (r: ScannedRecord) => void,
  opts: DigestOptions = {},
): Promise<void> {
  const pending = new Set([...plan].filter(([, r]) => r.until > r.from).map(([p]) => p));
  if (pending.size === 0) return;
  const groupId = `kafka-tenancy-scan-${crypto.randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 500,
  });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const reached = (partition: number, lastOffset: number) => {
    const range = plan.get(partition);
    if (!range || !pending.has(partition) || lastOffset < range.until - 1) return;
    pending.delete(partition);
    consumer.pause([{ topic, partitions: [partition] }]);
    if (pending.size === 0) finish();
  };
  // also for batches whose records were all filtered out (control records, aborted transactions)
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    if (e.payload.topic === topic) reached(e.payload.partition, Number(e.payload.lastOffset));
  });
  const admin = kafka.admin();
  try {
    await withDeadline(
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const range = plan.get(batch.partition);
            if (!range || !pending.has(batch.partition)) return;
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (offset < range.from || offset >= range.until) continue;
              onRecord({
                partition: batch.partition,
                offset,
                timestamp: Number(m.timestamp),
                key: m.key ?? null,
                value: m.value ?? null,
                headers: m.headers ?? {},
              });
            }
          },
        });
        for (const [partition, range] of plan) {
          if (pending.has(partition)) consumer.seek({ topic, partition, offset: String(range.from) });
        }
        // nothing to read there: do not fetch them at all
        const idle = [...plan.keys()].filter((p) => !pending.has(p));
        if (idle.length) consumer.pause([{ topic, partitions: idle }]);
        await finished;
      })(),
      opts.deadlineMs ?? 120_000,
      `reading ${topic} (partitions ${[...pending].sort((a, b) => a - b).join(', ')} not read to their end)`,
    );
  } finally {
    await withDeadline(consumer.disconnect(), 15_000, 'leaving the scan group').catch(() => undefined);
    await withDeadline(
      (async () => {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      })(),
      10_000,
      'deleting the scan group',
    ).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Per-partition digests of every committed data record of `topic`, from log start to the end offset at call
 * time. The end offset is the high watermark; a transaction still open at call time delays the read until it
 * ends (read_committed stops at the last stable offset), within the deadline.
 */
export async function partitionDigests(
  endpoint: Endpoint,
  creds: ClientCredentials,
  topic: string,
  opts: DigestOptions = {},
): Promise<PartitionDigest[]> {
  const kafka = kafkaClient(endpoint, creds, { clientId: opts.clientId ?? 'kafka-tenancy-digest' });
  const bounds = await partitionBounds(kafka, topic);
  const hashes = new Map(bounds.map((b) => [b.partition, { hash: crypto.createHash('sha256'), count: 0 }]));
  await scanPartitions(
    kafka,
    topic,
    new Map(bounds.map((b) => [b.partition, { from: b.start, until: b.end }])),
    (r) => {
      const h = hashes.get(r.partition)!;
      h.hash.update(recordEncoding(r.key, r.value, r.headers));
      h.count++;
    },
    opts,
  );
  return bounds.map((b) => {
    const h = hashes.get(b.partition)!;
    return {
      partition: b.partition,
      count: h.count,
      sha256: h.count === 0 ? EMPTY : h.hash.digest('hex'),
      firstOffset: b.start,
      endOffset: b.end,
    };
  });
}

export interface DigestMismatch {
  readonly topic: string;
  /** Absent when the whole topic is missing on one side. */
  readonly partition?: number;
  readonly problem: 'topic-missing' | 'partition-missing' | 'partition-extra' | 'count' | 'content';
  readonly message: string;
}

/**
 * Every difference between the source's and the target's digests, sorted by topic and partition; empty when the
 * target holds exactly the source's records (none lost, none duplicated, none changed, same order per partition).
 */
export function compareDigests(source: readonly TopicDigest[], target: readonly TopicDigest[]): DigestMismatch[] {
  const out: DigestMismatch[] = [];
  const targets = new Map(target.map((t) => [t.topic, t]));
  for (const s of [...source].sort((a, b) => a.topic.localeCompare(b.topic))) {
    const t = targets.get(s.topic);
    if (!t) {
      out.push({ topic: s.topic, problem: 'topic-missing', message: `${s.topic}: missing on the target` });
      continue;
    }
    const tp = new Map(t.partitions.map((p) => [p.partition, p]));
    for (const sp of [...s.partitions].sort((a, b) => a.partition - b.partition)) {
      const at = `${s.topic}[${sp.partition}]`;
      const x = tp.get(sp.partition);
      tp.delete(sp.partition);
      if (!x) {
        out.push({
          topic: s.topic,
          partition: sp.partition,
          problem: 'partition-missing',
          message: `${at}: missing on the target`,
        });
      } else if (x.count !== sp.count) {
        const diff = x.count - sp.count;
        out.push({
          topic: s.topic,
          partition: sp.partition,
          problem: 'count',
          message: `${at}: source has ${sp.count} records, target ${x.count} (${diff > 0 ? `${diff} extra` : `${-diff} missing`})`,
        });
      } else if (x.sha256 !== sp.sha256) {
        out.push({
          topic: s.topic,
          partition: sp.partition,
          problem: 'content',
          message: `${at}: same count (${sp.count}), different contents or order (sha256 ${sp.sha256.slice(0, 12)} vs ${x.sha256.slice(0, 12)})`,
        });
      }
    }
    for (const x of [...tp.values()].sort((a, b) => a.partition - b.partition)) {
      out.push({
        topic: s.topic,
        partition: x.partition,
        problem: 'partition-extra',
        message: `${s.topic}[${x.partition}]: on the target only (${x.count} records)`,
      });
    }
  }
  return out;
}
