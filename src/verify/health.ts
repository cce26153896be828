/**
 * A cluster that stops answering is one root cause, not hundreds of timeouts. A frozen broker (a stopped process,
 * a full accept queue) takes connections and never answers, so without this every check on it would wait for its
 * own connection and request timeouts, one after another: a quarter of an hour on the example fleet.
 *
 * The tracker is a circuit breaker per cluster, driven by signals, not by a clock: when a check gets no answer (a
 * request or connection timeout, a dropped or refused connection, a SASL exchange that broke off, a check deadline)
 * the cluster is probed once — a login and a DescribeCluster as the admin under a hard deadline — and if that gets
 * no answer either, the cluster is marked unreachable for the rest of the run. From then on its checks complete at
 * once as `error` (checks already running are abandoned), its connections are not opened again, and the report
 * carries one result naming the cluster and the hint (`conformance.reachable:<cluster>`). A probe that gets any
 * answer from the broker, a refusal included, leaves the cluster in play. The runner also probes every cluster
 * before the run, so a cluster that is down from the start costs one probe deadline.
 */
import { SASL_ERROR, kafkaErrorType } from '../kafka/client';
import { DeadlineExceeded, withDeadline } from '../kafka/deadline';
import { isKafkaErrorType } from './raw';

/** Hard deadline of one probe: a login and a DescribeCluster answer in milliseconds on a live broker. */
export const PROBE_DEADLINE_MS = 5000;

/** One probe of a cluster: `ok`, or the Kafka error type of the failure (see `loginAnswer`). */
export type ClusterProbe = (cluster: string) => Promise<string>;

export interface Unreachable {
  readonly cluster: string;
  /** Id of the result that reports it: `conformance.reachable:<cluster>`. */
  readonly resultId: string;
  /** What made the tracker probe: `before the run`, or the check and its error. */
  readonly signal: string;
  /** What the probe got instead of an answer. */
  readonly probe: string;
  /** What the user can do about it. */
  readonly hint: string;
  /** When the cluster was marked (ms since the epoch), for the report's duration. */
  readonly since: number;
}

/** Thrown (and returned as a check's error) for work on a cluster already marked unreachable. */
export class ClusterUnreachable extends Error {
  constructor(readonly unreachable: Unreachable) {
    super(`cluster ${unreachable.cluster} stopped answering (${unreachable.resultId})`);
    this.name = 'ClusterUnreachable';
  }
}

export const reachableResultId = (cluster: string) => `conformance.reachable:${cluster}`;

/** kafkajs errors that mean the broker did not answer (as opposed to an error code it sent). */
const NO_ANSWER_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
  'DeadlineExceeded',
  'CheckTimeout',
]);
const NO_ANSWER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const firstLine = (s: unknown) => String(s ?? '').split('\n')[0];

/**
 * `<error>: <message>` if the error, or one it wraps, says the broker did not answer; undefined for an answer (a
 * Kafka error code) and for errors that have nothing to do with the broker (a missing secret, a bug).
 */
export function noAnswerSignal(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const todo: unknown[] = [err];
  while (todo.length > 0) {
    const e = todo.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const o = e as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      originalError?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    const name = typeof o.name === 'string' ? o.name : 'Error';
    if (NO_ANSWER_ERRORS.has(name)) return `${name}: ${firstLine(o.message)}`;
    if (typeof o.code === 'string' && NO_ANSWER_CODES.has(o.code)) return `${o.code}: ${firstLine(o.message)}`;
    if (name === 'KafkaJSSASLAuthenticationError' && kafkaErrorType(e) === SASL_ERROR)
      return `${SASL_ERROR}: ${firstLine(o.message)}`;
    todo.push(o.originalError, o.cause, ...(Array.isArray(o.errors) ? o.errors : []));
  }
  return undefined;
}

/** Per-cluster circuit breaker of one verification run. */
export class ClusterHealth {
  private readonly down = new Map<string, Unreachable>();
  private readonly probes = new Map<string, Promise<Unreachable | undefined>>();
  private readonly tripped = new Map<string, { promise: Promise<never>; reject: (e: Error) => void }>();

  constructor(
    private readonly probe: ClusterProbe,
    private readonly hint: (cluster: string) => string,
    readonly probeDeadlineMs = PROBE_DEADLINE_MS,
  ) {}

  unreachable(cluster: string): Unreachable | undefined {
    return this.down.get(cluster);
  }

  /** Every cluster marked so far, in the order they were marked. */
  all(): Unreachable[] {
    return [...this.down.values()];
  }

  /** Throws `ClusterUnreachable` if the cluster is marked: nothing should wait on it again. */
  assertReachable(cluster: string): void {
    const u = this.down.get(cluster);
    if (u) throw new ClusterUnreachable(u);
  }

  /**
   * Rejects with `ClusterUnreachable` as soon as the cluster is marked (at once if it already is); never resolves.
   * Race work on the cluster against it to abandon that work when the cluster goes.
   */
  whenUnreachable(cluster: string): Promise<never> {
    let t = this.tripped.get(cluster);
    if (!t) {
      let reject!: (e: Error) => void;
      const promise = new Promise<never>((_, r) => (reject = r));
      promise.catch(() => undefined); // nobody may be racing it when it trips
      t = { promise, reject };
      this.tripped.set(cluster, t);
      const u = this.down.get(cluster);
      if (u) reject(new ClusterUnreachable(u));
    }
    return t.promise;
  }

  /**
   * Something on the cluster got no answer (`signal` says what): probe it once — one probe at a time per cluster,
   * later signals share the running one — and mark it unreachable if the probe gets no answer either. Resolves with
   * the mark, or undefined if the cluster answered. Never rejects.
   */
  suspect(cluster: string, signal: string): Promise<Unreachable | undefined> {
    const known = this.down.get(cluster);
    if (known) return Promise.resolve(known);
    let p = this.probes.get(cluster);
    if (!p) {
      p = this.runProbe(cluster, signal).finally(() => this.probes.delete(cluster));
      this.probes.set(cluster, p);
    }
    return p;
  }

  private async runProbe(cluster: string, signal: string): Promise<Unreachable | undefined> {
    let got: string;
    try {
      got = await withDeadline(this.probe(cluster), this.probeDeadlineMs, `login and DescribeCluster as the admin`);
    } catch (e) {
      // A probe that cannot even start (no admin secret, a bug) proves nothing about the broker.
      if (!(e instanceof DeadlineExceeded) && !noAnswerSignal(e)) return undefined;
      got = firstLine((e as Error).message);
    }
    if (got === 'ok' || isKafkaErrorType(got)) return undefined;
    const u: Unreachable = {
      cluster,
      resultId: reachableResultId(cluster),
      signal,
      probe: /no answer within/.test(got) ? got : `login and DescribeCluster as the admin: ${got}`,
      hint: this.hint(cluster),
      since: Date.now(),
    };
    this.down.set(cluster, u);
    this.tripped.get(cluster)?.reject(new ClusterUnreachable(u));
    return u;
  }
}
