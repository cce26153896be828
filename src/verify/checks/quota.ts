/**
 * Quotas, observed. kafkajs cannot describe client quotas, so presence is shown by behaviour: a burst well above a
 * principal's producer_byte_rate must be throttled by the broker, and while one tenant floods its own topic, the
 * broker throttles it and never another tenant writing to its own topic.
 *
 * The burst probes (`quota.enforced`) produce to a topic that does not exist under the principal's own prefix: the
 * broker counts the bytes of every produce request against the user's quota and throttles it like any other, but
 * nothing is written. The throttle is read from the response (kafkajs logs "Client side throttling in effect for
 * <N>ms" at debug level when a response carries throttle_time_ms), and kafkajs then holds the connection back for
 * that long, so the measured throughput is what a real client gets.
 *
 * The noisy-neighbour check writes to real topics (the log-append path: every record is acknowledged with an
 * offset) and decides only on what the broker says in its produce responses — throttle_time_ms and the bytes it
 * acknowledged — never on a latency or any other wall-clock threshold: a loaded machine slows both clients down,
 * which can only lower the aggressor's rate, and the broker's own throttle decisions do not depend on our clock.
 *
 * Kafka measures a rate over `quota.window.num` windows of `quota.window.size.seconds` and never over less than
 * (num − 1) windows, so an idle client can burst about (num − 1) × size × rate bytes before the first throttle.
 * Volumes are sized from the live broker's windows and capped by a byte budget; a probe that would need more is
 * reported as `skipped` with the reason, never left out silently.
 */
import { performance } from 'node:perf_hooks';
import { type LogEntry, logLevel } from 'kafkajs';
import { kafkaErrorType } from '../../kafka/client';
import { withDeadline } from '../../kafka/deadline';
import type { TopicModel } from '../../model/types';
import { topicName } from '../../naming';
import type { Actor, ClusterSnapshot, VerifyContext } from '../context';
import { VERIFY_MARK } from '../context';
import { RawSession } from '../raw';
import type { Check, CheckOutcome } from '../types';

export interface QuotaOptions {
  /** Most bytes one probe may send. @default 8 MiB */
  readonly maxProbeBytes?: number;
  /** How long the noisy tenant floods while the other one is measured. @default 3 s */
  readonly floodSeconds?: number;
}

const MIB = 1024 * 1024;
const mib = (n: number) => `${(n / MIB).toFixed(2)} MiB`;
const kibs = (n: number) => `${Math.round(n / 1024)} KiB/s`;

/** A raw connection that records every throttle the broker asks for. */
async function throttledSession(
  ctx: VerifyContext,
  actor: Actor,
): Promise<{ session: RawSession; throttles: number[] }> {
  const throttles: number[] = [];
  const session = await RawSession.open(ctx.brokers(actor.cluster), ctx.credentials(actor.principal), {
    clientId: `${VERIFY_MARK}-${ctx.runId}-quota`,
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      const m = /^Client side throttling in effect for (\d+)ms/.exec(entry.log.message);
      if (m) throttles.push(Number(m[1]));
    },
  });
  return { session, throttles };
}

/** A topic under the principal's own write prefix (or its tenant prefix) that does not exist. */
function probeTopic(ctx: VerifyContext, actor: Actor): string {
  const write = actor.principal.acls.find((b) => b.resourceType === 'Topic' && b.operation === 'Write');
  const suffix = `${VERIFY_MARK}-quota-${ctx.runId}`;
  if (write) return `${write.resourceName}${suffix}`;
  return actor.tenant ? topicName(actor.tenant.id, suffix) : `${actor.principal.acls[0]?.resourceName ?? ''}${suffix}`;
}

const chunkFor = (rate: number) => Buffer.alloc(Math.min(512 * 1024, Math.max(16 * 1024, Math.floor(rate / 4))), 0x78);

/**
 * The answers a quota probe expects for its produce to a topic that does not exist: UNKNOWN_TOPIC_OR_PARTITION
 * (the principal may WRITE under the prefix) or TOPIC_AUTHORIZATION_FAILED. The broker counts the bytes either way.
 */
export const QUOTA_PROBE_ANSWERS: readonly string[] = ['UNKNOWN_TOPIC_OR_PARTITION', 'TOPIC_AUTHORIZATION_FAILED'];

/**
 * Produce one chunk to the (missing) probe topic and wait for the broker's answer. Only the expected refusals are
 * tolerated: anything else — a dead connection, a timeout, another error — means the request was not measured, and
 * a latency or throughput computed from it would be fiction (a dead connection answers in no time and is never
 * throttled), so it is rethrown and the check reports `error`. A success means the probe topic exists and the
 * chunk was written: also an error.
 */
export async function push(
  session: Pick<RawSession, 'produce'>,
  topic: string,
  chunk: Buffer,
  headers: Record<string, string>,
): Promise<void> {
  try {
    await session.produce(topic, 0, [{ key: VERIFY_MARK, value: chunk, headers }], 1);
  } catch (e) {
    if (QUOTA_PROBE_ANSWERS.includes(kafkaErrorType(e))) return;
    throw e;
  }
  throw new Error(`quota probe topic ${topic} exists: the probe wrote ${chunk.length} bytes to it`);
}

function windowOf(snap: ClusterSnapshot) {
  const { samples, seconds } = snap.quotaWindow;
  return { samples, seconds, minSpan: Math.max(1, samples - 1) * seconds, span: samples * seconds };
}

/**
 * Bytes a burst may send before it must have been throttled: the broker measures over at least (num − 1) and,
 * when the principal was active just before, up to num windows, so 1.25 × rate × num windows crosses it either way.
 */
export function burstBytes(rate: number, snap: ClusterSnapshot): number {
  return Math.ceil(rate * windowOf(snap).span * 1.25);
}

/** `snap` is the error of the cluster's snapshot when it could not be read: the check then reports that error. */
function enforcedBase(actor: Actor) {
  const p = actor.principal;
  return {
    id: `quota.enforced:${p.username}`,
    tenant: actor.owner,
    category: 'quota' as const,
    cluster: actor.cluster,
    description: `${p.username} is throttled when it bursts above its producer_byte_rate of ${kibs(p.quota.producerByteRate)}`,
  };
}

function enforcedCheck(ctx: VerifyContext, actor: Actor, snap: ClusterSnapshot | Error): Check {
  const rate = actor.principal.quota.producerByteRate;
  const base = enforcedBase(actor);
  if (snap instanceof Error) {
    return {
      ...base,
      run: async () => {
        throw snap;
      },
    };
  }
  const w = windowOf(snap);
  return {
    ...base,
    run: async (): Promise<CheckOutcome> => {
      const limit = burstBytes(rate, snap);
      const topic = probeTopic(ctx, actor);
      const chunk = chunkFor(rate);
      const burst = async () => {
        const { session, throttles } = await throttledSession(ctx, actor);
        const t0 = Date.now();
        let sent = 0;
        try {
          while (sent < limit && throttles.length === 0) {
            await push(session, topic, chunk, ctx.markHeaders());
            sent += chunk.length;
          }
        } finally {
          await session.close();
        }
        return { sent, throttles, elapsed: (Date.now() - t0) / 1000 };
      };
      let attempt = await burst();
      const retried = attempt.throttles.length === 0;
      if (retried) {
        // Traffic just before the burst can stretch the broker's measuring window past what the limit allows for;
        // after one idle window span the burst starts from a clean window. A missing quota never throttles.
        await new Promise((r) => setTimeout(r, w.span * 1000));
        attempt = await burst();
      }
      const { sent, throttles, elapsed } = attempt;
      const expected = `throttled within ${mib(limit)}, broker-side quota ≈ ${kibs(rate)} (not materially higher)`;
      if (throttles.length === 0) {
        return {
          status: 'fail',
          expected,
          observed: `not throttled after ${mib(sent)} in ${elapsed.toFixed(1)} s (${kibs(sent / Math.max(elapsed, 0.001))}), twice: no quota in force`,
        };
      }
      // throttle = bytes / quota − window  ⇒  quota = bytes / (throttle + window); the window the broker used lies
      // between (num − 1) windows and a little over num windows (its samples do not start on window boundaries).
      const throttle = throttles[0]! / 1000;
      const high = sent / (throttle + w.minSpan);
      const low = sent / (throttle + w.span + w.seconds);
      const tooHigh = low > rate * 1.5;
      return {
        status: tooHigh ? 'fail' : 'pass',
        expected,
        observed: `throttled ${throttles[0]} ms after ${mib(sent)}; quota in force ≈ ${kibs(low)}–${kibs(high)}`,
        details: [
          `sent ${mib(sent)} in ${(chunk.length / 1024).toFixed(0)} KiB requests to ${topic} (nothing is written: the topic does not exist)`,
          `broker windows: ${w.samples} × ${w.seconds} s${retried ? '; the first burst was not throttled, the one after an idle window was' : ''}`,
          ...(tooHigh ? [`the quota in force is above 1.5 × the declared ${kibs(rate)}`] : []),
          'a lower estimate than declared can mean the principal was already producing when the probe ran',
        ],
      };
    },
  };
}

/** One produce response as the broker sent it: what the noisy-neighbour check decides on. */
export interface ProduceResponse {
  /** Size of the produce request: what the broker counted against the user's producer_byte_rate. */
  readonly bytes: number;
  /** The response's throttle_time_ms. */
  readonly throttleMs: number;
  /** Offset the broker appended the batch at; `-1` (or not a number) means nothing was appended. */
  readonly baseOffset: string;
  /** When the response arrived, ms after the flood started (negative for the victim's baseline). */
  readonly atMs: number;
  /** Request to response, ms. Reported, never decides. */
  readonly latencyMs: number;
}

/** Everything the noisy-neighbour check saw: the broker's windows and both principals' produce responses. */
export interface NeighbourEvidence {
  /** The broker's quota windows (`quota.window.num` × `quota.window.size.seconds`). */
  readonly window: { readonly samples: number; readonly seconds: number };
  readonly aggressor: {
    readonly username: string;
    /** Declared producer_byte_rate, bytes/s. */
    readonly rate: number;
    /** Every response of the flood, in order. */
    readonly responses: readonly ProduceResponse[];
    /** From the flood's first request to its last response. */
    readonly floodMs: number;
  };
  readonly victim: {
    readonly username: string;
    /** Responses before the flood started (latency figures only). */
    readonly baseline: readonly ProduceResponse[];
    /** Responses to requests sent while the aggressor flooded. */
    readonly responses: readonly ProduceResponse[];
  };
}

export interface NeighbourVerdict {
  readonly status: 'pass' | 'fail';
  /** Why it failed, one line each (empty on a pass). */
  readonly problems: readonly string[];
  readonly expected: string;
  readonly observed: string;
  /** The figures, for reports and for the integration test's log. */
  readonly figures: {
    readonly ackedBytes: number;
    readonly floodSeconds: number;
    /** Acknowledged bytes per second of flood. */
    readonly achievedRate: number;
    /** The most the broker lets through in `floodSeconds` with the quota in force. */
    readonly maxBytes: number;
    readonly aggressorResponses: number;
    readonly throttledResponses: number;
    readonly maxThrottleMs: number;
    readonly totalThrottleMs: number;
    readonly victimResponses: number;
    readonly victimThrottled: number;
    readonly victimLatencyMs: {
      readonly baselineP50: number;
      readonly p50: number;
      readonly p95: number;
      readonly max: number;
    };
  };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const appended = (r: ProduceResponse) => /^\d+$/.test(r.baseOffset);

/**
 * The noisy-neighbour decision, from broker-side signals only:
 *
 * - the aggressor is throttled: at least one of its produce responses carries throttle_time_ms > 0;
 * - the aggressor is held to its quota: the bytes the broker acknowledged during the flood are at most
 *   rate × (flood seconds + num × size) + its largest request. The broker lets an idle client burst (num − 1)
 *   windows' worth before measuring it, and its windows do not start on our clock, so one more window is the
 *   tolerance; a request is counted before the throttle it causes, so one request may overshoot. Everything in
 *   the tolerance comes from the broker's window config; a slow machine only lowers the achieved rate;
 * - the victim is never throttled: throttle_time_ms is 0 on every one of its responses, before and during the flood.
 *
 * Latencies are figures only. Throws (the check reports `error`) when there is nothing to decide on: no response of
 * the aggressor, none of the victim during the flood, or a response without an offset (nothing was appended, so the
 * log-append path was not exercised).
 */
export function judgeNoisyNeighbour(e: NeighbourEvidence): NeighbourVerdict {
  const { aggressor: a, victim: v } = e;
  const gaps = [
    ...(a.responses.length === 0 ? [`${a.username} got no produce response`] : []),
    ...(v.responses.length === 0 ? [`${v.username} got no produce response while ${a.username} flooded`] : []),
    ...[
      [a.username, a.responses],
      [v.username, [...v.baseline, ...v.responses]],
    ].flatMap(([who, rs]) => {
      const missing = (rs as ProduceResponse[]).filter((r) => !appended(r)).length;
      return missing
        ? [`${missing} produce response(s) to ${who as string} carry no offset: nothing was appended`]
        : [];
    }),
  ];
  if (gaps.length) throw new Error(`no decision: ${gaps.join('; ')}`);
  const { samples, seconds } = e.window;
  const floodSeconds = Math.max(a.floodMs, 1) / 1000;
  const ackedBytes = a.responses.reduce((n, r) => n + r.bytes, 0);
  const largest = Math.max(...a.responses.map((r) => r.bytes));
  const maxBytes = Math.ceil(a.rate * (floodSeconds + samples * seconds) + largest);
  const achievedRate = ackedBytes / floodSeconds;
  const throttled = a.responses.filter((r) => r.throttleMs > 0);
  const victimAll = [...v.baseline, ...v.responses];
  const victimThrottled = victimAll.filter((r) => r.throttleMs > 0);
  const problems = [
    ...(throttled.length === 0
      ? [`${a.username} was never throttled: all ${a.responses.length} produce responses had throttle_time_ms 0`]
      : []),
    ...(ackedBytes > maxBytes
      ? [
          `${a.username} got ${mib(ackedBytes)} acknowledged in ${floodSeconds.toFixed(1)} s (${kibs(achievedRate)}), more than the ${mib(maxBytes)} its quota allows`,
        ]
      : []),
    ...(victimThrottled.length > 0
      ? [
          `${v.username} was throttled on ${victimThrottled.length} of ${victimAll.length} responses (up to ${Math.max(...victimThrottled.map((r) => r.throttleMs))} ms)`,
        ]
      : []),
  ];
  const latencies = v.responses.map((r) => r.latencyMs);
  const figures = {
    ackedBytes,
    floodSeconds,
    achievedRate,
    maxBytes,
    aggressorResponses: a.responses.length,
    throttledResponses: throttled.length,
    maxThrottleMs: Math.max(0, ...throttled.map((r) => r.throttleMs)),
    totalThrottleMs: throttled.reduce((n, r) => n + r.throttleMs, 0),
    victimResponses: victimAll.length,
    victimThrottled: victimThrottled.length,
    victimLatencyMs: {
      baselineP50: percentile(
        v.baseline.map((r) => r.latencyMs),
        50,
      ),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      max: Math.max(0, ...latencies),
    },
  };
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const lat = figures.victimLatencyMs;
  return {
    status: problems.length === 0 ? 'pass' : 'fail',
    problems,
    expected:
      `${a.username}'s produce responses carry throttle_time_ms > 0 and it gets at most rate × (flood + ${samples} × ${seconds} s) ` +
      `+ one request acknowledged; every response to ${v.username} has throttle_time_ms 0`,
    observed:
      `${a.username}: ${mib(ackedBytes)} acknowledged in ${floodSeconds.toFixed(1)} s = ${kibs(achievedRate)} ` +
      `(quota ${kibs(a.rate)}, at most ${mib(maxBytes)}), throttled on ${throttled.length} of ${a.responses.length} responses ` +
      `(max ${figures.maxThrottleMs} ms, total ${figures.totalThrottleMs} ms); ` +
      `${v.username}: throttled on ${victimThrottled.length} of ${victimAll.length} responses; latency (figures, never decides) ` +
      `p50 ${ms(lat.p50)}, p95 ${ms(lat.p95)}, max ${ms(lat.max)} (before the flood p50 ${ms(lat.baselineP50)})`,
    figures,
  };
}

/** The topic of its own tenant a principal produces to and that is live: where the noisy-neighbour check writes. */
function ownTopic(actor: Actor, snap: ClusterSnapshot): TopicModel | undefined {
  return actor.tenant?.topics.find((t) => actor.principal.produces.includes(t.logicalName) && snap.topics.has(t.name));
}

/**
 * Every produce response one kafkajs client gets, read from its debug log: kafkajs 2.2.4 decodes a produce
 * response's throttle_time_ms (`clientSideThrottleTime`, KIP-219) but hands it to no caller. Its connection logs each
 * request with its size and each response with its decoded data, both at debug level, before the caller's promise
 * resolves (`src/network/connection.js`), so the response of a `send` is in the log when the `send` returns.
 */
class ProduceLog {
  private readonly sizes = new Map<string, number>();
  readonly responses: Array<{ readonly bytes: number; readonly throttleMs: number }> = [];

  readonly logCreator = () => (entry: LogEntry) => {
    const log = entry.log as {
      message?: string;
      broker?: string;
      correlationId?: number;
      size?: number;
      data?: { clientSideThrottleTime?: number | null };
    };
    const key = `${log.broker}\n${log.correlationId}`;
    if (log.message?.startsWith('Request Produce(')) {
      this.sizes.set(key, log.size ?? 0);
    } else if (log.message?.startsWith('Response Produce(')) {
      this.responses.push({ bytes: this.sizes.get(key) ?? 0, throttleMs: log.data?.clientSideThrottleTime ?? 0 });
      this.sizes.delete(key);
    }
  };
}

/** A producer of one principal to partition 0 of one of its topics, reporting each response. */
interface ProduceProbe {
  /** Send `records` records of `recordBytes` each in one request (acks = all) and wait for the broker's answer. */
  send(records: number, recordBytes: number): Promise<ProduceResponse>;
  close(): Promise<void>;
}

const CLOSE_MS = 5000;

async function openProbe(ctx: VerifyContext, actor: Actor, topic: string, origin: () => number): Promise<ProduceProbe> {
  const log = new ProduceLog();
  const producer = ctx
    .kafka(actor.cluster, actor.principal, { retries: 0, logLevel: logLevel.DEBUG, logCreator: log.logCreator })
    .producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  const close = () =>
    withDeadline(producer.disconnect(), CLOSE_MS, `closing ${actor.principal.username}'s producer`).catch(
      () => undefined,
    );
  try {
    await producer.connect();
  } catch (e) {
    await close();
    throw e;
  }
  return {
    close,
    send: async (records, recordBytes) => {
      const value = Buffer.alloc(recordBytes, 0x78);
      const messages = Array.from({ length: records }, () => ({
        key: VERIFY_MARK,
        value,
        partition: 0,
        headers: ctx.markHeaders(),
      }));
      const before = log.responses.length;
      const t = performance.now();
      const [md] = await producer.send({ topic, acks: -1, messages });
      const now = performance.now();
      const got = log.responses.slice(before);
      if (got.length !== 1) {
        throw new Error(
          `internal error: one produce to ${topic} logged ${got.length} responses; kafkajs must be 2.2.4`,
        );
      }
      return { ...got[0]!, baseOffset: String(md?.baseOffset ?? '-1'), atMs: now - origin(), latencyMs: now - t };
    },
  };
}

/** The aggressor's request: about a quarter second of its quota, in 16 KiB records (below any max.message.bytes). */
function floodRequest(rate: number): { records: number; recordBytes: number; bytes: number } {
  const recordBytes = 16 * 1024;
  const records = Math.min(32, Math.max(1, Math.floor(rate / 4 / recordBytes)));
  return { records, recordBytes, bytes: records * recordBytes };
}

/** Victim: one 1 KiB record per request, one request every this many ms while the aggressor floods. */
const VICTIM_INTERVAL_MS = 100;
const VICTIM_BASELINE = 5;

/** The most bytes a flood may send: what the quota lets through in `floodSeconds`, one window more, one request. */
export function floodCap(rate: number, snap: ClusterSnapshot, floodSeconds: number): number {
  const w = windowOf(snap);
  return Math.ceil(rate * (floodSeconds + w.span + w.seconds) + floodRequest(rate).bytes);
}

interface Neighbours {
  readonly noisy: Actor;
  readonly noisyTopic: string;
  readonly quiet: Actor;
  readonly quietTopic: string;
}

function neighbourBase(n: Neighbours, floodSeconds: number) {
  const rate = n.noisy.principal.quota.producerByteRate;
  return {
    id: `quota.noisy-neighbour:${n.noisy.principal.username}+${n.quiet.principal.username}`,
    tenant: n.noisy.owner,
    target: n.quiet.owner,
    category: 'quota' as const,
    cluster: n.noisy.cluster,
    description:
      `${n.noisy.principal.username} flooding ${n.noisyTopic} for ${floodSeconds} s is throttled and held to its ` +
      `${kibs(rate)} while ${n.quiet.principal.username} (${n.quiet.owner}) writing to ${n.quietTopic} is never throttled`,
  };
}

function noisyNeighbourCheck(
  ctx: VerifyContext,
  n: Neighbours,
  snap: ClusterSnapshot,
  floodSeconds: number,
  cap: number,
): Check {
  const rate = n.noisy.principal.quota.producerByteRate;
  const w = windowOf(snap);
  return {
    ...neighbourBase(n, floodSeconds),
    run: async (): Promise<CheckOutcome> => {
      let t0 = performance.now();
      const origin = () => t0;
      const flood = await openProbe(ctx, n.noisy, n.noisyTopic, origin);
      const victim = await openProbe(ctx, n.quiet, n.quietTopic, origin).catch(async (e: unknown) => {
        await flood.close();
        throw e;
      });
      try {
        const baseline: ProduceResponse[] = [];
        for (let i = 0; i < VICTIM_BASELINE; i++) baseline.push(await victim.send(1, 1024));
        const req = floodRequest(rate);
        const aggressor: ProduceResponse[] = [];
        let sent = 0;
        let flooding = true;
        let stop = false;
        t0 = performance.now();
        const deadline = t0 + floodSeconds * 1000;
        const flooder = (async () => {
          try {
            while (!stop && performance.now() < deadline && sent + req.bytes <= cap) {
              const r = await flood.send(req.records, req.recordBytes);
              aggressor.push(r);
              sent += r.bytes;
            }
          } finally {
            flooding = false;
          }
        })();
        // A failing flood ends the measurement; its error is rethrown below (`await flooder`).
        flooder.catch(() => undefined);
        const during: ProduceResponse[] = [];
        try {
          while (flooding) {
            during.push(await victim.send(1, 1024));
            await new Promise((r) => setTimeout(r, VICTIM_INTERVAL_MS));
          }
        } catch (e) {
          stop = true;
          await flooder.catch(() => undefined);
          throw e;
        }
        await flooder;
        const verdict = judgeNoisyNeighbour({
          window: w,
          aggressor: {
            username: n.noisy.principal.username,
            rate,
            responses: aggressor,
            floodMs: aggressor.length ? aggressor[aggressor.length - 1]!.atMs : 0,
          },
          victim: { username: n.quiet.principal.username, baseline, responses: during },
        });
        const offsets = (rs: readonly ProduceResponse[]) =>
          rs.length ? `offsets ${rs[0]!.baseOffset}–${rs[rs.length - 1]!.baseOffset}` : 'nothing';
        return {
          status: verdict.status,
          expected: verdict.expected,
          observed: verdict.observed,
          details: [
            ...verdict.problems,
            `flood: ${aggressor.length} requests of ${req.records} × ${req.recordBytes / 1024} KiB records to ${n.noisyTopic} ` +
              `partition 0 (${offsets(aggressor)}), cap ${mib(cap)}`,
            `victim: ${baseline.length + during.length} requests of one 1 KiB record to ${n.quietTopic} partition 0 ` +
              `(${offsets([...baseline, ...during])}), one every ${VICTIM_INTERVAL_MS} ms during the flood`,
            `broker windows: ${w.samples} × ${w.seconds} s; latency is reported, never decides`,
          ],
        };
      } finally {
        await Promise.all([flood.close(), victim.close()]);
      }
    },
  };
}

/** A probe the run does not make: its result is `skipped`, with what it would have proved and why not. */
function skippedProbe(base: Omit<Check, 'run'>, expected: string, reason: string): Check {
  return { ...base, run: async () => ({ status: 'skipped', expected, observed: `not probed: ${reason}` }) };
}

/**
 * The quota checks for the scoped principals, and notes for what has no check at all (a cluster without a second
 * tenant to be the victim). A probe the byte budget does not allow is a `skipped` result with the reason. Needs the
 * cluster snapshots (for the broker's quota windows and the live topics), so it runs after the conformance phase
 * loaded them.
 */
export async function quotaChecks(
  ctx: VerifyContext,
  scoped: readonly Actor[],
  everyone: readonly Actor[],
  options: QuotaOptions = {},
): Promise<{ checks: Check[]; notes: string[] }> {
  const budget = options.maxProbeBytes ?? 8 * MIB;
  const floodSeconds = options.floodSeconds ?? 3;
  const checks: Check[] = [];
  const notes: string[] = [];
  /** Each per-principal burst check with the username it probes. */
  const enforced: { check: Check; username: string }[] = [];
  /** Usernames of the noisy-neighbour checks' principals (both sides of each flood). */
  const flooded = new Set<string>();
  for (const cluster of [...new Set(scoped.map((a) => a.cluster))].sort()) {
    const here = scoped.filter((a) => a.cluster === cluster);
    const snap = await ctx.snapshot(cluster).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (snap instanceof Error) {
      // No broker windows to size the probes with (e.g. the cluster stopped answering): each probe reports why.
      enforced.push(
        ...here.map((actor) => ({ check: enforcedCheck(ctx, actor, snap), username: actor.principal.username })),
      );
      continue;
    }
    const w = windowOf(snap);
    for (const actor of here) {
      const rate = actor.principal.quota.producerByteRate;
      const need = burstBytes(rate, snap);
      const check =
        need > budget
          ? skippedProbe(
              enforcedBase(actor),
              `throttled within ${mib(need)}`,
              `a burst above ${kibs(rate)} over the broker's ${w.samples} × ${w.seconds} s windows needs ` +
                `${mib(need)}, over the ${mib(budget)} probe budget (shorter quota windows on the broker make it fit)`,
            )
          : enforcedCheck(ctx, actor, snap);
      enforced.push({ check, username: actor.principal.username });
    }
    // Both sides write to a live topic of their own tenant (the shared tier owns none: its topics carry every
    // tenant's records and their partitions may be reserved).
    const writers = (actors: readonly Actor[]) =>
      actors.flatMap((a) => {
        const topic = a.cluster === cluster ? ownTopic(a, snap) : undefined;
        return topic ? [{ actor: a, topic: topic.name }] : [];
      });
    const noisy = writers(here).sort(
      (a, b) =>
        a.actor.principal.quota.producerByteRate - b.actor.principal.quota.producerByteRate ||
        (a.actor.principal.username < b.actor.principal.username ? -1 : 1),
    )[0];
    if (!noisy) {
      notes.push(`no noisy-neighbour check on ${cluster}: no principal in scope produces to a topic of its own tenant`);
      continue;
    }
    const quiet = writers(everyone.filter((a) => a.owner !== noisy.actor.owner)).sort(
      (a, b) =>
        b.actor.principal.quota.producerByteRate - a.actor.principal.quota.producerByteRate ||
        (a.actor.principal.username < b.actor.principal.username ? -1 : 1),
    )[0];
    if (!quiet) {
      notes.push(
        `no noisy-neighbour check on ${cluster}: no principal of a second tenant there produces to a topic of its own`,
      );
      continue;
    }
    const n = { noisy: noisy.actor, noisyTopic: noisy.topic, quiet: quiet.actor, quietTopic: quiet.topic };
    const rate = noisy.actor.principal.quota.producerByteRate;
    const cap = floodCap(rate, snap, floodSeconds);
    if (cap > budget) {
      checks.push(
        skippedProbe(
          neighbourBase(n, floodSeconds),
          `${noisy.actor.principal.username} throttled, ${quiet.actor.principal.username} never throttled`,
          `flooding ${noisy.actor.principal.username} (${kibs(rate)}) for ${floodSeconds} s over the broker's ` +
            `${w.samples} × ${w.seconds} s windows may send ${mib(cap)}, over the ${mib(budget)} probe budget`,
        ),
      );
    } else {
      checks.push(noisyNeighbourCheck(ctx, n, snap, floodSeconds, cap));
      flooded.add(noisy.actor.principal.username).add(quiet.actor.principal.username);
    }
  }
  // The flood first, on quiet windows; then the per-principal bursts, those of the flood's two principals last so
  // their windows have aged.
  const later = (e: { username: string }) => (flooded.has(e.username) ? 1 : 0);
  return { checks: [...checks, ...enforced.sort((a, b) => later(a) - later(b)).map((e) => e.check)], notes };
}
