/**
 * Reserved partitions (`dedicatedPartitions`) are advisory: Kafka authorizes topics, never partitions, so any
 * shared-tier producer holding WRITE on `shared.` can write a partition reserved for another tenant (a plain
 * producer with an explicit partition, or a partitioner other than the SDK's). ACLs cannot prove the reservation
 * holds; the records can. This check reads, as a platform consumer of the topic (the admin when none reads it), the
 * last records of every reserved partition — at most `SAMPLE_RECORDS` per partition, within `SAMPLE_DEADLINE_MS` —
 * and fails when one carries another tenant's key prefix (`{tenant}:`) or `tenant-id` header, or no tenant at all.
 * An empty partition, or one holding only the owner's records, passes. Records written by `verify` itself (header
 * `kafka-tenancy-verify`, e.g. the forged record of `shared-tier.forged-record-rejected`) are skipped and counted.
 *
 * The enforceable alternative is a premium topic (`premiumTopics`, docs/reserved-partitions.md).
 */
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { adminCredentials } from '../../platform/identities';
import type { PrincipalModel, TenantModel } from '../../model/types';
import { HEADERS, tryParseRecordKey } from '../../sdk/keys';
import { type VerifyContext, VERIFY_MARK } from '../context';
import { RawSession } from '../raw';
import type { Scope } from '../scope';
import type { Check, CheckOutcome } from '../types';

/** Records read back per reserved partition: the most recent ones. */
export const SAMPLE_RECORDS = 50;
/** Sampling one topic's reserved partitions stops here; what was read by then is judged, and the cut is reported. */
export const SAMPLE_DEADLINE_MS = 10_000;
/** Evidence lines shown for offending records (the count is always complete). */
const MAX_EVIDENCE = 10;

/** One record as sampled: where it is, its key and headers (never its value). */
export interface SampledRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | string | null;
  readonly headers?: IHeaders;
}

/** What was read from the reserved partitions of one topic. */
export interface ReservedSample {
  /** Reserved partitions with their offset range [low, high) when sampled. */
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly low: string; readonly high: string }>;
  readonly records: readonly SampledRecord[];
  /** The deadline cut the sample short. */
  readonly truncated: boolean;
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/**
 * The decision, from records alone: pass when every sampled record (verify's own skipped) is the owner's — its
 * key prefix and `tenant-id` header, where present, name the owner, and at least one of them is present.
 */
export function judgeReservedPartitions(owner: string, topic: string, sample: ReservedSample): CheckOutcome {
  const foreign: string[] = [];
  const unattributed: string[] = [];
  let own = 0;
  let skipped = 0;
  for (const r of sample.records) {
    if (headerText(r.headers, VERIFY_MARK) !== undefined) {
      skipped++;
      continue;
    }
    const keyTenant = tryParseRecordKey(r.key)?.tenantId;
    const headerTenant = headerText(r.headers, HEADERS.tenantId);
    const where = `${topic}/${r.partition}@${r.offset}`;
    const claims = [
      keyTenant !== undefined && `key tenant "${keyTenant}"`,
      headerTenant !== undefined && `${HEADERS.tenantId} header "${headerTenant}"`,
    ].filter(Boolean);
    if ((keyTenant !== undefined && keyTenant !== owner) || (headerTenant !== undefined && headerTenant !== owner)) {
      foreign.push(`${where}: ${claims.join(', ')}`);
    } else if (keyTenant === undefined && headerTenant === undefined) {
      unattributed.push(`${where}: no "{tenant}:" key prefix and no ${HEADERS.tenantId} header`);
    } else {
      own++;
    }
  }
  const reserved = sample.partitions.map((p) => p.partition).join(', ');
  const expected = `only ${owner}'s records on reserved partition(s) [${reserved}] (key "${owner}:…", ${HEADERS.tenantId}: ${owner})`;
  const read = `${sample.records.length} record(s) read (at most ${SAMPLE_RECORDS} per partition${sample.truncated ? ', cut short by the deadline' : ''}): ${own} of ${owner}, ${skipped} written by verify (skipped)`;
  const ranges = sample.partitions.map((p) => `partition ${p.partition}: offsets ${p.low} to ${p.high}`);
  const bad = [...foreign, ...unattributed];
  if (bad.length === 0) {
    return {
      status: 'pass',
      expected,
      observed: sample.records.length === 0 ? `no records on partition(s) [${reserved}]` : read,
      details: ranges,
    };
  }
  return {
    status: 'fail',
    expected,
    observed: `${read}; ${foreign.length} of another tenant, ${unattributed.length} of no tenant`,
    details: [
      ...bad.slice(0, MAX_EVIDENCE),
      ...(bad.length > MAX_EVIDENCE ? [`… and ${bad.length - MAX_EVIDENCE} more`] : []),
      ...ranges,
      'reserved partitions are advisory: Kafka cannot keep a producer off a partition; a premium topic (premiumTopics) is enforced by ACLs',
    ],
  };
}

/** The platform consumer that reads `topic` (full shared topic name), if any. */
function readerOf(ctx: VerifyContext, topic: string): PrincipalModel | undefined {
  const logical = ctx.model.platform.topics.find((t) => t.name === topic)?.logicalName;
  return ctx.model.platform.consumers.find((c) => logical !== undefined && c.consumes.includes(logical));
}

/**
 * Read the last `perPartition` records of each partition, from each partition's leader (found by the admin), as
 * `reader` (the admin when undefined). Bounded by `deadlineMs` overall.
 */
export async function sampleReservedPartitions(
  ctx: VerifyContext,
  topic: string,
  partitions: readonly number[],
  reader: PrincipalModel | undefined,
  perPartition = SAMPLE_RECORDS,
  deadlineMs = SAMPLE_DEADLINE_MS,
): Promise<ReservedSample> {
  const cluster = ctx.model.env.sharedCluster;
  const stopAt = Date.now() + deadlineMs;
  const admin = await ctx.admin(cluster);
  const offsets = await admin.fetchTopicOffsets(topic);
  const leaders = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? [];
  const brokers = (await admin.describeCluster()).brokers;
  const creds = reader ? ctx.credentials(reader) : adminCredentials(ctx.secrets, cluster);
  const sessions = new Map<string, Promise<RawSession>>();
  const sessionFor = (address: string) => {
    let s = sessions.get(address);
    if (!s) {
      s = RawSession.open({ ...ctx.brokers(cluster), bootstrapServers: [address] }, creds, {
        clientId: `${VERIFY_MARK}-${ctx.runId}`,
      });
      sessions.set(address, s);
    }
    return s;
  };
  const sampled: Array<{ partition: number; low: string; high: string }> = [];
  const records: SampledRecord[] = [];
  let truncated = false;
  try {
    for (const partition of partitions) {
      const o = offsets.find((x) => x.partition === partition);
      if (!o) throw new Error(`partition ${partition} of ${topic} does not exist on cluster ${cluster}`);
      sampled.push({ partition, low: o.low, high: o.high });
      const high = BigInt(o.high);
      let next = BigInt(o.low) > high - BigInt(perPartition) ? BigInt(o.low) : high - BigInt(perPartition);
      if (next >= high) continue;
      const leader = brokers.find((b) => b.nodeId === leaders.find((l) => l.partitionId === partition)?.leader);
      const session = await sessionFor(
        leader ? `${leader.host}:${leader.port}` : ctx.brokers(cluster).bootstrapServers[0]!,
      );
      while (next < high) {
        if (Date.now() > stopAt) {
          truncated = true;
          break;
        }
        const batch: KafkaMessage[] = await session.fetch(topic, partition, String(next), 1024 * 1024);
        const fresh = batch.filter((m) => BigInt(m.offset) >= next && BigInt(m.offset) < high);
        // Nothing at or after `next` below the high watermark: only control records or compacted gaps are left.
        if (fresh.length === 0) break;
        for (const m of fresh) records.push({ partition, offset: m.offset, key: m.key, headers: m.headers });
        next = BigInt(fresh[fresh.length - 1]!.offset) + 1n;
      }
      if (truncated) break;
    }
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.then((x) => x.close()).catch(() => undefined)));
  }
  return { partitions: sampled, records, truncated };
}

/** One check per (tenant, shared topic) with reserved partitions, for the active tenants in scope. */
export function reservedPartitionChecks(ctx: VerifyContext, scope: Scope): Check[] {
  const cluster = ctx.model.env.sharedCluster;
  return ctx.model.tenants
    .filter((t: TenantModel) => t.lifecycle === 'active' && scope.has(t.id))
    .flatMap((t) =>
      t.dedicatedPartitions.map((d): Check => {
        const reader = readerOf(ctx, d.topic);
        return {
          id: `shared-tier.reserved-partitions:${t.id}->${d.topic}`,
          tenant: t.id,
          category: 'shared-tier',
          cluster,
          description: `the partitions [${d.partitions.join(', ')}] of ${d.topic} reserved for ${t.id} hold only its records (last ${SAMPLE_RECORDS} per partition, read as ${reader?.username ?? 'the admin'})`,
          run: async () =>
            judgeReservedPartitions(t.id, d.topic, await sampleReservedPartitions(ctx, d.topic, d.partitions, reader)),
        };
      }),
    );
}
