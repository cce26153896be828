/**
 * The shape of the verification suite: a check proves one isolation property on the live clusters, a result says
 * what was expected and what was observed, a report is every result plus the numbers a reviewer needs.
 */

/** What a check proves. See docs/verification.md for every check of every category. */
export const CATEGORIES = ['conformance', 'positive', 'negative', 'shared-tier', 'dedicated-tier', 'quota'] as const;
export type CheckCategory = (typeof CATEGORIES)[number];

/**
 * `pass`/`fail` on a broker answer; `error` when the check could not decide; `skipped` when the check chose not to
 * probe (its `observed` says why, e.g. the probe would exceed the byte budget). Skipped checks do not fail a run but
 * are listed, counted and in JUnit as `<skipped>`: nothing is left out silently.
 */
export const STATUSES = ['pass', 'fail', 'error', 'skipped'] as const;
export type CheckStatus = (typeof STATUSES)[number];

/**
 * What a check found. A check that could not decide (no connection, missing secret) throws instead: `error`. A check
 * that decides not to probe returns `skipped` with the reason as `observed` (`not probed: a burst would need 12 MiB,
 * over the 8 MiB budget`) and what it would have proved as `expected`.
 */
export interface CheckOutcome {
  readonly status: 'pass' | 'fail' | 'skipped';
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
  readonly skipped: number;
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
  /** Seed of the cross-tenant pair sample (see pairs.ts; unused with `exhaustive`). */
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
  /**
   * Who lives where: the owners (tenant ids, `platform`) on each cluster of the model, sorted. The axes of the
   * tenants × tenants matrices of the HTML and SVG reports. @default - inferred from the results
   */
  readonly owners?: Readonly<Record<string, readonly string[]>>;
  /** True only when no check failed or errored (skipped checks are listed, not failures) and at least one ran. */
  readonly ok: boolean;
}

export interface ProgressEvent {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** The result that just finished (absent for phase announcements). */
  readonly result?: CheckResult;
}
