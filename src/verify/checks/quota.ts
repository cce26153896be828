/**
 * Quotas, observed. kafkajs cannot describe client quotas, so presence is shown by behaviour: a burst well above a
 * principal's producer_byte_rate must be throttled by the broker, and while one tenant floods, another tenant's
 * requests keep their normal latency.
 *
 * The probes produce to a topic that does not exist under the principal's own prefix: the broker counts the bytes
 * of every produce request against the user's quota and throttles it like any other, but nothing is written, so a
 * probe never puts bulk data into a tenant's topics or into the shared topics the platform consumers read. The
 * throttle is read from the response (kafkajs logs "Client side throttling in effect for <N>ms" at debug level
 * when a response carries throttle_time_ms), and kafkajs then holds the connection back for that long, so the
 * measured throughput is what a real client gets.
 *
 * Kafka measures a rate over `quota.window.num` windows of `quota.window.size.seconds` and never over less than
 * (num − 1) windows, so an idle client can burst about (num − 1) × size × rate bytes before the first throttle.
 * Volumes are sized from the live broker's windows and capped by a byte budget; principals whose quota would need
 * more are listed in the report's notes instead of being probed.
 */
import { logLevel } from 'kafkajs';
import { kafkaErrorType } from '../../kafka/client';
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
function enforcedCheck(ctx: VerifyContext, actor: Actor, snap: ClusterSnapshot | Error): Check {
  const p = actor.principal;
  const rate = p.quota.producerByteRate;
  const id = `quota.enforced:${p.username}`;
  const description = `${p.username} is throttled when it bursts above its producer_byte_rate of ${kibs(rate)}`;
  const base = { id, tenant: actor.owner, category: 'quota' as const, cluster: actor.cluster, description };
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

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function noisyNeighbourCheck(
  ctx: VerifyContext,
  noisy: Actor,
  quiet: Actor,
  snap: ClusterSnapshot,
  floodSeconds: number,
  cap: number,
): Check {
  const rate = noisy.principal.quota.producerByteRate;
  const w = windowOf(snap);
  // Throttled, the flood gets its burst allowance (≤ one full window span) plus `rate` per second.
  const bound = rate * (1 + w.span / floodSeconds) * 1.25;
  return {
    id: `quota.noisy-neighbour:${noisy.principal.username}+${quiet.principal.username}`,
    tenant: noisy.owner,
    target: quiet.owner,
    category: 'quota',
    cluster: noisy.cluster,
    description: `${noisy.principal.username} flooding for ${floodSeconds} s is held near its ${kibs(rate)} while ${quiet.principal.username} (${quiet.owner}) keeps its normal latency`,
    run: async (): Promise<CheckOutcome> => {
      const noisyTopic = probeTopic(ctx, noisy);
      const quietTopic = probeTopic(ctx, quiet);
      const chunk = chunkFor(rate);
      const small = Buffer.alloc(1024, 0x79);
      const flood = await throttledSession(ctx, noisy);
      const control = await throttledSession(ctx, quiet).catch(async (e: unknown) => {
        await flood.session.close();
        throw e;
      });
      try {
        const timed = async () => {
          const t = process.hrtime.bigint();
          await push(control.session, quietTopic, small, ctx.markHeaders());
          return Number(process.hrtime.bigint() - t) / 1e6;
        };
        const baseline: number[] = [];
        for (let i = 0; i < 10; i++) baseline.push(await timed());
        let sent = 0;
        const t0 = Date.now();
        const deadline = t0 + floodSeconds * 1000;
        let flooding = true;
        let stop = false;
        const flooder = (async () => {
          try {
            while (!stop && Date.now() < deadline && sent < cap) {
              await push(flood.session, noisyTopic, chunk, ctx.markHeaders());
              sent += chunk.length;
            }
          } finally {
            flooding = false;
          }
        })();
        // A failing flood ends the measurement; its error is rethrown below (`await flooder`).
        flooder.catch(() => undefined);
        const during: number[] = [];
        try {
          while (flooding) {
            during.push(await timed());
            await new Promise((r) => setTimeout(r, 100));
          }
        } catch (e) {
          stop = true;
          await flooder.catch(() => undefined);
          throw e;
        }
        await flooder;
        const seconds = Math.max((Date.now() - t0) / 1000, 0.001);
        const throughput = sent / seconds;
        const p95Base = percentile(baseline, 95);
        const p95 = percentile(during, 95);
        const latencyLimit = Math.max(100, 5 * p95Base);
        const problems = [
          ...(flood.throttles.length === 0 ? [`${noisy.principal.username} was never throttled`] : []),
          ...(throughput > bound
            ? [`${noisy.principal.username} got ${kibs(throughput)}, more than ${kibs(bound)}`]
            : []),
          ...(control.throttles.length > 0
            ? [`${quiet.principal.username} was throttled too (${control.throttles.length}×)`]
            : []),
          ...(p95 > latencyLimit
            ? [
                `${quiet.principal.username}'s p95 latency rose to ${p95.toFixed(0)} ms (limit ${latencyLimit.toFixed(0)} ms)`,
              ]
            : []),
        ];
        return {
          status: problems.length === 0 ? 'pass' : 'fail',
          expected: `${noisy.principal.username} throttled to ≤ ${kibs(bound)}; ${quiet.principal.username} unthrottled, p95 ≤ ${latencyLimit.toFixed(0)} ms`,
          observed:
            `${noisy.principal.username}: ${kibs(throughput)} over ${seconds.toFixed(1)} s, throttled ${flood.throttles.length}×; ` +
            `${quiet.principal.username}: p95 ${p95.toFixed(0)} ms (baseline ${p95Base.toFixed(0)} ms), throttled ${control.throttles.length}×`,
          details: [
            ...problems,
            `flood: ${mib(sent)} to ${noisyTopic} (cap ${mib(cap)}); control: ${during.length} × 1 KiB to ${quietTopic}`,
            `broker windows: ${w.samples} × ${w.seconds} s`,
          ],
        };
      } finally {
        await Promise.all([flood.session.close(), control.session.close()]);
      }
    },
  };
}

/**
 * The quota checks for the scoped principals, and notes for those not probed. Needs the cluster snapshots (for the
 * broker's quota windows), so it runs after the conformance phase loaded them.
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
    for (const actor of here) {
      const need = burstBytes(actor.principal.quota.producerByteRate, snap);
      if (need > budget) {
        notes.push(
          `quota of ${actor.principal.username} (${kibs(actor.principal.quota.producerByteRate)}) not probed: a burst would need ${mib(need)}, over the ${mib(budget)} budget`,
        );
      } else {
        enforced.push({ check: enforcedCheck(ctx, actor, snap), username: actor.principal.username });
      }
    }
    const tenantsHere = here.filter((a) => a.tenant);
    const noisy = [...tenantsHere].sort(
      (a, b) => a.principal.quota.producerByteRate - b.principal.quota.producerByteRate,
    )[0];
    if (!noisy) continue;
    const quiet = everyone
      .filter((a) => a.cluster === cluster && a.tenant && a.owner !== noisy.owner)
      .sort(
        (a, b) =>
          b.principal.quota.producerByteRate - a.principal.quota.producerByteRate ||
          (a.principal.username < b.principal.username ? -1 : 1),
      )[0];
    const rate = noisy.principal.quota.producerByteRate;
    const cap = Math.ceil(rate * (windowOf(snap).span + floodSeconds) * 1.25);
    if (!quiet) {
      notes.push(`no noisy-neighbour check on ${cluster}: no second tenant lives there`);
    } else if (cap > budget) {
      notes.push(
        `no noisy-neighbour check on ${cluster}: flooding ${noisy.principal.username} would need up to ${mib(cap)}, over the ${mib(budget)} budget`,
      );
    } else {
      checks.push(noisyNeighbourCheck(ctx, noisy, quiet, snap, floodSeconds, cap));
      flooded.add(noisy.principal.username).add(quiet.principal.username);
    }
  }
  // The flood first, on quiet windows; then the per-principal bursts, those of the flood's two principals last so
  // their windows have aged.
  const later = (e: { username: string }) => (flooded.has(e.username) ? 1 : 0);
  return { checks: [...checks, ...enforced.sort((a, b) => later(a) - later(b)).map((e) => e.check)], notes };
}
