/**
 * Consumer group offsets across a tier move: exact translation at cutover, and the copy's progress for a status
 * command.
 *
 * Why our own translation: MirrorMaker's checkpoints (MirrorCheckpointTask → OffsetSyncStore.translateDownstream,
 * connect-mirror 4.3.1) translate a group's source offset through the nearest earlier "offset sync" (a pair
 * upstream offset → downstream offset it recorded while copying). When the group sits exactly on a sync, the
 * translation is exact; when it sits past one, MirrorMaker answers `sync.downstream + 1`, because it cannot know
 * how many of the records in between were written (the code's comment: "If we overestimate, then we may skip the
 * correct offset and have data loss ... This may cause re-reading of records"). With `offset.lag.max=0` most
 * positions sit on a sync, but syncs are rate-limited and kept exponentially sparse (OffsetSyncStore's invariants),
 * so a group may land earlier on the target and re-read records it had already processed. MirrorMaker also
 * writes a group's offset to the target only if that is ahead of what the target has (MirrorCheckpointTask
 * .syncGroupOffset), so an exact offset applied at cutover is never moved back by it.
 *
 * The exact translation counts: a source offset N means "the group has consumed every committed data record
 * before N"; with k such records from the source's log start, the group's next record is the k-th (0-based) data
 * record on the target, whose offset is the translation (the target's end offset when k is all of them). This
 * needs the copy complete up to N and both logs starting at the same record (no retention deleted records on one
 * side only); both are checked, by comparing the contents of the record each side would deliver next.
 */
import type { Admin, Kafka } from 'kafkajs';
import { EnvironmentError } from '../errors';
import { type ClientCredentials, type Endpoint, kafkaClient } from '../kafka/client';
import { withDeadline } from '../kafka/deadline';
import { partitionBounds, recordEncoding, scanPartitions } from './digest';
import { mirrorMakerInternalTopics } from './mirror-config';

/** A cluster as the admin reaches it. */
export interface ClusterAccess {
  readonly endpoint: Endpoint;
  readonly creds: ClientCredentials;
}

export interface TranslatedOffset {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset on the source. */
  readonly sourceOffset: number;
  /** Committed data records before it (from the source's log start). */
  readonly recordsBefore: number;
  /** Exact offset on the target: the offset of the same next record (or the target's end). */
  readonly targetOffset: number;
  /** The group's committed offset on the target, as MirrorMaker's offset sync left it (absent: none). */
  readonly mm2TargetOffset?: number;
}

const OP_TIMEOUT_MS = 30_000;

function client(c: ClusterAccess, id: string): Kafka {
  return kafkaClient(c.endpoint, c.creds, { clientId: id });
}

async function withAdmin<T>(kafka: Kafka, what: string, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    return await withDeadline(
      (async () => {
        await admin.connect();
        return work(admin);
      })(),
      OP_TIMEOUT_MS,
      what,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Committed offsets of a group per topic and partition (-1 = none committed). */
async function committed(
  kafka: Kafka,
  group: string,
  topics: readonly string[],
): Promise<Map<string, Map<number, number>>> {
  return withAdmin(kafka, `offsets of group ${group}`, async (admin) => {
    const res = await admin.fetchOffsets({ groupId: group, topics: [...topics] });
    return new Map(
      res.map((t) => [t.topic, new Map(t.partitions.map((p) => [p.partition, Number(p.offset)] as [number, number]))]),
    );
  });
}

/**
 * The exact target offsets of `group` for `topics` (only partitions where the group has committed on the source).
 * Reads each topic once on both clusters (cutover: the source is quiet, the copy complete). Throws when the
 * target is behind, or when the record the group would read next differs between the clusters.
 */
export async function translateGroupOffsets(opts: {
  readonly source: ClusterAccess;
  readonly target: ClusterAccess;
  readonly group: string;
  readonly topics: readonly string[];
  readonly deadlineMs?: number;
}): Promise<TranslatedOffset[]> {
  const src = client(opts.source, 'kafka-tenancy-translate');
  const dst = client(opts.target, 'kafka-tenancy-translate');
  const sourceCommitted = await committed(src, opts.group, opts.topics);
  const targetCommitted = await committed(dst, opts.group, opts.topics);
  const out: TranslatedOffset[] = [];
  for (const topic of [...opts.topics].sort()) {
    const wanted = new Map([...(sourceCommitted.get(topic) ?? new Map<number, number>())].filter(([, o]) => o >= 0));
    if (wanted.size === 0) continue;
    const sBounds = await partitionBounds(src, topic);
    const tBounds = await partitionBounds(dst, topic);
    // source: k = data records before N, and the record at or after N (what the group reads next)
    const k = new Map<number, number>();
    const next = new Map<number, { offset: number; bytes: Buffer }>();
    await scanPartitions(
      src,
      topic,
      new Map(
        sBounds.filter((b) => wanted.has(b.partition)).map((b) => [b.partition, { from: b.start, until: b.end }]),
      ),
      (r) => {
        const n = wanted.get(r.partition)!;
        if (r.offset < n) k.set(r.partition, (k.get(r.partition) ?? 0) + 1);
        else if (!next.has(r.partition))
          next.set(r.partition, { offset: r.offset, bytes: recordEncoding(r.key, r.value, r.headers) });
      },
      { deadlineMs: opts.deadlineMs },
    );
    // target: the k-th data record, and how many there are
    const seen = new Map<number, number>();
    const at = new Map<number, { offset: number; bytes: Buffer }>();
    await scanPartitions(
      dst,
      topic,
      new Map(
        tBounds.filter((b) => wanted.has(b.partition)).map((b) => [b.partition, { from: b.start, until: b.end }]),
      ),
      (r) => {
        const i = seen.get(r.partition) ?? 0;
        if (i === (k.get(r.partition) ?? 0))
          at.set(r.partition, { offset: r.offset, bytes: recordEncoding(r.key, r.value, r.headers) });
        seen.set(r.partition, i + 1);
      },
      { deadlineMs: opts.deadlineMs },
    );
    for (const [partition, sourceOffset] of [...wanted].sort((a, b) => a[0] - b[0])) {
      const where = `${topic}[${partition}]`;
      const before = k.get(partition) ?? 0;
      const onTarget = seen.get(partition) ?? 0;
      const tEnd = tBounds.find((b) => b.partition === partition)?.end;
      if (tEnd === undefined) {
        throw new EnvironmentError(
          `${where}: the target has no such partition`,
          'create the topic on the target with the same partition count (terraform)',
        );
      }
      if (onTarget < before) {
        throw new EnvironmentError(
          `${where}: group ${opts.group} has consumed ${before} records on the source, the target holds only ${onTarget}`,
          'wait until the copy has caught up (mirror status: lag 0), then translate again',
        );
      }
      const s = next.get(partition);
      const t = at.get(partition);
      if (s && !t) {
        throw new EnvironmentError(
          `${where}: the source has a record at offset ${s.offset} for group ${opts.group}, the target ends after ${onTarget} records`,
          'wait until the copy has caught up (mirror status: lag 0), then translate again',
        );
      }
      if (!s && t) {
        throw new EnvironmentError(
          `${where}: the target holds ${onTarget - before} record(s) after the ${before} the source has before offset ${sourceOffset}, the source none`,
          'the target has records the source has not (written to it directly, or duplicated): compare digests before cutover',
        );
      }
      if (s && t && !s.bytes.equals(t.bytes)) {
        throw new EnvironmentError(
          `${where}: the record after ${before} records differs: source offset ${s.offset}, target offset ${t.offset}`,
          'the logs do not start at the same record (retention deleted records on one side?) or the copy is not exact; compare digests',
        );
      }
      const mm2 = targetCommitted.get(topic)?.get(partition);
      out.push({
        topic,
        partition,
        sourceOffset,
        recordsBefore: before,
        targetOffset: t ? t.offset : tEnd,
        ...(mm2 !== undefined && mm2 >= 0 ? { mm2TargetOffset: mm2 } : {}),
      });
    }
  }
  return out;
}

/**
 * Commit `offsets` for `group` on the target. The group must have no members there (a live consumer would
 * overwrite them, and the broker refuses offset commits for an active group anyway).
 */
export async function applyGroupOffsets(
  admin: Pick<Admin, 'describeGroups' | 'setOffsets'>,
  group: string,
  offsets: readonly Pick<TranslatedOffset, 'topic' | 'partition' | 'targetOffset'>[],
): Promise<void> {
  await withDeadline(
    (async () => {
      const { groups } = await admin.describeGroups([group]);
      const g = groups.find((x) => x.groupId === group);
      if (g && (g.members.length > 0 || !['Empty', 'Dead', ''].includes(g.state))) {
        throw new EnvironmentError(
          `consumer group ${group} is ${g.state} on the target with ${g.members.length} member(s); its offsets cannot be set`,
          "stop the group's consumers on the target (and MirrorMaker, whose offset sync writes to inactive groups), then apply again",
        );
      }
      const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
      for (const o of offsets) {
        byTopic.set(o.topic, [
          ...(byTopic.get(o.topic) ?? []),
          { partition: o.partition, offset: String(o.targetOffset) },
        ]);
      }
      for (const [topic, partitions] of [...byTopic].sort((a, b) => a[0].localeCompare(b[0]))) {
        await admin.setOffsets({ groupId: group, topic, partitions });
      }
    })(),
    OP_TIMEOUT_MS,
    `setting the offsets of ${group} on the target`,
  );
}

export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  readonly sourceStart: number;
  readonly sourceEnd: number;
  readonly targetEnd: number;
  /** Source offset up to which MirrorMaker has committed its copy (exclusive); absent before its first commit. */
  readonly copiedUpTo?: number;
  /** Source offsets not yet copied (an upper bound of the records: it includes transaction markers). */
  readonly lagOffsets: number;
  /** Committed data records not yet copied; absent when the gap was too large to count cheaply. */
  readonly lagRecords?: number;
}

export interface GroupStatus {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly sourceCommitted: number;
  /** What MirrorMaker's offset sync has committed on the target (absent: nothing yet). */
  readonly targetCommitted?: number;
}

export interface MirrorStatus {
  readonly partitions: readonly PartitionStatus[];
  readonly groups: readonly GroupStatus[];
  /** Every partition's lagRecords is 0. */
  readonly caughtUp: boolean;
}

/**
 * MirrorMaker's committed position per source partition: Connect's offsets topic on the target, where the
 * exactly-once worker commits `{"offset": <last copied source offset>}` in the same transaction as the records.
 * Key: `["MirrorSourceConnector",{"cluster":"source","partition":0,"topic":"acme.orders"}]`. A compacted topic
 * of one key per partition (plus not yet compacted history): small.
 */
export async function mirrorProgress(
  target: ClusterAccess,
  tenant: string,
  deadlineMs = 60_000,
): Promise<Map<string, number>> {
  const kafka = client(target, 'kafka-tenancy-mirror-status');
  const topic = mirrorMakerInternalTopics(tenant).offsets;
  const exists = await withAdmin(kafka, 'listing topics', async (a) => (await a.listTopics()).includes(topic));
  const progress = new Map<string, number>();
  if (!exists) return progress;
  const bounds = await partitionBounds(kafka, topic);
  await scanPartitions(
    kafka,
    topic,
    new Map(bounds.map((b) => [b.partition, { from: b.start, until: b.end }])),
    (r) => {
      try {
        const key = JSON.parse(String(r.key)) as [string, { topic?: string; partition?: number }];
        if (key[0] !== 'MirrorSourceConnector' || key[1].topic === undefined) return;
        const id = `${key[1].topic}:${key[1].partition}`;
        if (r.value === null) progress.delete(id);
        else progress.set(id, Number((JSON.parse(String(r.value)) as { offset: number }).offset) + 1);
      } catch {
        // not an offset record of ours
      }
    },
    { deadlineMs, clientId: 'kafka-tenancy-mirror-status' },
  );
  return progress;
}

/**
 * Where a tenant's copy stands, cheap enough for a status command: ListOffsets on both clusters, MirrorMaker's
 * committed position (mirrorProgress), the groups' committed offsets on both clusters.
 *
 * Lag in records, and why not from end offsets alone: the target's offsets are inflated by a commit marker per
 * MirrorMaker transaction and by the records of transactions aborted by a restart, so `source end - target end`
 * says nothing (it goes negative). MirrorMaker's own committed position is in source offsets, so
 * `source end - copiedUpTo` is exact in offsets; it still counts the source's own transaction markers (a
 * transactional producer's last commit marker makes it 1 when all is copied). So when that gap is small
 * (≤ `exactTailLimit` offsets), the gap itself is read on the source and its data records counted: `lagRecords`
 * is exact and 0 means caught up. A larger gap is only reported in offsets.
 */
export async function mirrorStatus(opts: {
  readonly source: ClusterAccess;
  readonly target: ClusterAccess;
  readonly tenant: string;
  readonly topics: readonly string[];
  readonly groupPrefix: string;
  /** @default 10000 */
  readonly exactTailLimit?: number;
}): Promise<MirrorStatus> {
  const src = client(opts.source, 'kafka-tenancy-mirror-status');
  const dst = client(opts.target, 'kafka-tenancy-mirror-status');
  const limit = opts.exactTailLimit ?? 10_000;
  const progress = await mirrorProgress(opts.target, opts.tenant);
  const partitions: PartitionStatus[] = [];
  for (const topic of [...opts.topics].sort()) {
    const sBounds = await partitionBounds(src, topic);
    const tBounds = new Map((await partitionBounds(dst, topic)).map((b) => [b.partition, b]));
    const rows = sBounds.map((b) => {
      const copiedUpTo = progress.get(`${topic}:${b.partition}`);
      const from = Math.max(copiedUpTo ?? b.start, b.start);
      return { b, copiedUpTo, from, lagOffsets: Math.max(0, b.end - from) };
    });
    const tails = rows.filter((r) => r.lagOffsets > 0 && r.lagOffsets <= limit);
    const counted = new Map<number, number>(tails.map((r) => [r.b.partition, 0]));
    if (tails.length) {
      await scanPartitions(
        src,
        topic,
        new Map(tails.map((r) => [r.b.partition, { from: r.from, until: r.b.end }])),
        (r) => counted.set(r.partition, (counted.get(r.partition) ?? 0) + 1),
      );
    }
    for (const r of rows) {
      partitions.push({
        topic,
        partition: r.b.partition,
        sourceStart: r.b.start,
        sourceEnd: r.b.end,
        targetEnd: tBounds.get(r.b.partition)?.end ?? 0,
        ...(r.copiedUpTo !== undefined ? { copiedUpTo: r.copiedUpTo } : {}),
        lagOffsets: r.lagOffsets,
        ...(r.lagOffsets === 0
          ? { lagRecords: 0 }
          : counted.has(r.b.partition)
            ? { lagRecords: counted.get(r.b.partition)! }
            : {}),
      });
    }
  }
  const groupIds = await withAdmin(src, 'listing groups', async (a) =>
    (await a.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(opts.groupPrefix))
      .sort(),
  );
  const groups: GroupStatus[] = [];
  for (const group of groupIds) {
    const s = await committed(src, group, opts.topics);
    const t = await committed(dst, group, opts.topics);
    for (const [topic, byPartition] of [...s].sort((a, b) => a[0].localeCompare(b[0]))) {
      for (const [partition, offset] of [...byPartition].sort((a, b) => a[0] - b[0])) {
        if (offset < 0) continue;
        const targetCommitted = t.get(topic)?.get(partition);
        groups.push({
          group,
          topic,
          partition,
          sourceCommitted: offset,
          ...(targetCommitted !== undefined && targetCommitted >= 0 ? { targetCommitted } : {}),
        });
      }
    }
  }
  return { partitions, groups, caughtUp: partitions.every((p) => p.lagRecords === 0) };
}
