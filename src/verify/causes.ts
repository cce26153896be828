/**
 * Errors by root cause. One lost credential ends every check of its principal as `error` with the same message, a
 * cluster that stops answering ends all of its checks: one cause, told once with a count, instead of one line per
 * check. Results keep every check (JSON and JUnit list them all); tables, progress and Markdown show the causes.
 * Pure: no I/O.
 */
import { isCredentialRejection } from '../kafka/client';
import type { CheckResult } from './types';

export interface RootCause {
  /**
   * Stable key: the id of the result that explains the checks (`conformance.reachable:shared`), else
   * `<cluster>/<subject>/<reason>`.
   */
  readonly key: string;
  /** One line: `acme.billing cannot log in to shared: SASL_AUTHENTICATION_FAILED`. */
  readonly summary: string;
  readonly cluster: string;
  /** Principal (or topic, tenant) the checks acted as or on, from their ids; absent for a `cause` pointer. */
  readonly subject?: string;
  /** Id of the result of the report that explains the checks (`CheckResult.cause`), when they point at one. */
  readonly result?: string;
  /** Ids of the checks that ended as `error` because of it, in report order. */
  readonly checks: readonly string[];
}

/** Checks that could not run, with the cause: `… — 72 checks could not run`. */
export const couldNotRun = (c: RootCause): string =>
  `${c.summary} — ${c.checks.length} check${c.checks.length === 1 ? '' : 's'} could not run`;

/**
 * Subject of a check id (`<category>.<kind>:<subject>[-><target>|@<cluster>|+<other>]`): the acting principal of
 * an access check, the topic or tenant of a conformance check.
 */
export function subjectOf(id: string): string {
  return id.slice(id.indexOf(':') + 1).split(/->|@|\+/)[0] ?? id;
}

/** `could not run: KafkaJSConnectionError: Connection refused` → `KafkaJSConnectionError: Connection refused`. */
function reasonOf(observed: string): string {
  return observed.replace(/^(could not run|not run|abandoned): /, '').trim();
}

const firstClause = (s: string) => s.split('; ')[0]!;

/** The cause of one `error` result (undefined for any other status): key and one-line summary. */
export function causeOf(
  r: CheckResult,
  byId: ReadonlyMap<string, CheckResult> = new Map(),
): Omit<RootCause, 'checks'> | undefined {
  if (r.status !== 'error') return undefined;
  if (r.cause) {
    const explained = byId.get(r.cause);
    return {
      key: r.cause,
      summary: explained
        ? firstClause(explained.observed)
        : /^(not run|abandoned): /.test(r.observed)
          ? reasonOf(r.observed)
          : `see ${r.cause}`,
      cluster: explained?.cluster ?? r.cluster,
      result: r.cause,
    };
  }
  const subject = subjectOf(r.id);
  const reason = reasonOf(r.observed);
  // kafkajs words every refused SCRAM login the same way; the principal and the cluster are what differ.
  if (isCredentialRejection(reason)) {
    return {
      key: `${r.cluster}/${subject}/SASL_AUTHENTICATION_FAILED`,
      summary: `${subject} cannot log in to ${r.cluster}: SASL_AUTHENTICATION_FAILED`,
      cluster: r.cluster,
      subject,
    };
  }
  return {
    key: `${r.cluster}/${subject}/${reason}`,
    summary: `${subject} on ${r.cluster}: ${reason}`,
    cluster: r.cluster,
    subject,
  };
}

/**
 * Root causes of the report's errors that explain more than one check, or that a result of the report explains
 * (`cause`): most checks first, then by key. An error of its own stays a result of its own.
 */
export function rootCauses(results: readonly CheckResult[]): RootCause[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  const groups = new Map<string, { cause: Omit<RootCause, 'checks'>; checks: string[] }>();
  for (const r of results) {
    const cause = causeOf(r, byId);
    if (!cause) continue;
    const g = groups.get(cause.key) ?? { cause, checks: [] };
    g.checks.push(r.id);
    groups.set(cause.key, g);
  }
  return [...groups.values()]
    .filter((g) => g.checks.length > 1 || g.cause.result !== undefined)
    .map((g) => ({ ...g.cause, checks: g.checks }))
    .sort((a, b) => b.checks.length - a.checks.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * What a reader should see, in report order: every result that did not pass, except that the errors of one root
 * cause appear once, where the first of them was (or not at all when the result explaining them is in the list).
 */
export type Notable = { readonly result: CheckResult } | { readonly cause: RootCause };

export function notable(results: readonly CheckResult[]): Notable[] {
  const causes = rootCauses(results);
  const ids = new Set(results.map((r) => r.id));
  const causeOfCheck = new Map<string, RootCause>();
  for (const c of causes) for (const id of c.checks) causeOfCheck.set(id, c);
  const shown = new Set<string>();
  const out: Notable[] = [];
  for (const r of results) {
    if (r.status === 'pass') continue;
    const c = causeOfCheck.get(r.id);
    if (!c) out.push({ result: r });
    else if (c.result && ids.has(c.result))
      continue; // counted in the explaining result's own line
    else if (!shown.has(c.key)) {
      shown.add(c.key);
      out.push({ cause: c });
    }
  }
  return out;
}
