/**
 * The shape of the verification suite: a check proves one isolation property on the live clusters, a result says
 * what was expected and what was observed, a report is every result plus the numbers a reviewer needs.
 */

/** What a check proves. See docs/verification.md for every check of every category. */
export const CATEGORIES = ['conformance', 'positive', 'negative', 'shared-tier', 'dedicated-tier', 'quota'] as const;
export type CheckCategory = (typeof CATEGORIES)[number];

export type CheckStatus = 'pass' | 'fail' | 'error';

/** What a check found. A check that could not decide (no connection, missing secret) throws instead: `error`. */
export interface CheckOutcome {
  readonly status: 'pass' | 'fail';
  /** What isolation requires, e.g. `TOPIC_AUTHORIZATION_FAILED`. */
  readonly expected: string;
  /** What the cluster answered, e.g. `success (written to partition 0 at offset 12)`. */
  readonly observed: string;
  /** Evidence worth reading when the check fails (one line each). Never contains secrets or record payloads. */
  readonly details?: readonly string[];
}

export interface Check {
  /** Stable across runs: `<category>.<kind>:<subject>[-><target>]`, e.g. `negative.produce:acme.billing->globex`. */
  readonly id: string;
  /**
   * Whose property this is: a tenant id, `platform` (shared topics, platform consumers) or `cluster:<name>` for
   * cluster-wide checks. For cross-tenant checks it is the tenant whose principal acts.
   */
  readonly tenant: string;
  /** The other tenant of a cross-tenant check (the one that must stay out of reach). */
  readonly target?: string;
  readonly category: CheckCategory;
  /** One sentence: what passing proves. */
  readonly description: string;
  /** Cluster the check talks to (the first one, for checks that span clusters). */
  readonly cluster: string;
  run(): Promise<CheckOutcome>;
}

/** What a check found: the check's identity (everything but `run`) and its outcome. */
export interface CheckResult extends Omit<Check, 'run'> {
  readonly status: CheckStatus;
  readonly expected: string;
  readonly observed: string;
  readonly details: readonly string[];
  readonly durationMs: number;
  /**
   * Id of the result that explains this one, when the check got no decision because of it (e.g.
   * `conformance.reachable:shared` for a check on a cluster that stopped answering). Tables show the cause once.
   */
  readonly cause?: string;
}

export interface Tally {
  readonly checks: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
}

export interface VerificationSummary extends Tally {
  /** Keyed by `Check.tenant`, sorted. */
  readonly byTenant: Readonly<Record<string, Tally>>;
  readonly byCategory: Readonly<Record<string, Tally>>;
}

export interface VerificationReport {
  readonly environment: string;
  /** Random per run; names everything the run creates (groups, transactional ids, marker records). */
  readonly runId: string;
  /** Seed of the cross-tenant pair sample (only used beyond `fullPairsUpTo` tenants per cluster). */
  readonly seed: string;
  /** Tenants the run was scoped to; empty when it covered the whole fleet. */
  readonly scope: readonly string[];
  readonly startedAt: string;
  readonly wallTimeMs: number;
  readonly concurrency: number;
  readonly quotasChecked: boolean;
  readonly results: readonly CheckResult[];
  readonly summary: VerificationSummary;
  /** Things a reader must know that are not checks: what was not probed and why, topics nobody owns. */
  readonly notes: readonly string[];
  /** True only when every check passed. */
  readonly ok: boolean;
}

export interface ProgressEvent {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** The result that just finished (absent for phase announcements). */
  readonly result?: CheckResult;
}
