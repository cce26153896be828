/**
 * `runVerification`: plan the checks for the model (a constant number of probed tenant pairs per tenant, or every
 * ordered pair with `exhaustive`),
 * run them against the live clusters with bounded concurrency, and return the report. Three phases: conformance
 * first (admin reads only, before the run writes anything), then access (positive, negative, shared tier,
 * dedicated tier), then quotas (loud, so alone and one at a time).
 */
import { migrationChecks } from './checks/migration';
import { verifyModel } from './migration';
import { loadModel } from '../model';
import type { Model } from '../model/types';
import type { KeyProvider } from '../sdk';
import { type SecretSource, secretSourceFor } from '../secrets';
import { conformanceChecks, reachedPairs, unownedTopics } from './checks/conformance';
import { dedicatedTierChecks } from './checks/dedicated-tier';
import { operatorChecks, operatorProbeChecks } from './checks/operators';
import { existenceOracleNotes, negativePairChecks, negativePrincipalChecks } from './checks/negative';
import { positiveChecks } from './checks/positive';
import { type QuotaOptions, quotaChecks } from './checks/quota';
import { sharedTierChecks } from './checks/shared-tier';
import { reservedPartitionChecks } from './checks/reserved-partitions';
import { type Actor, VerifyContext } from './context';
import { withDeadline } from '../kafka/deadline';
import { type ClusterHealth, ClusterUnreachable, type Unreachable, noAnswerSignal } from './health';
import { DEFAULT_TARGETS_PER_TENANT, type Pair, allPairs, prefixRelatives, selectPairs, selectTargets } from './pairs';
import { summarize } from './report';
import { cleanupNotes, deleteRunGroups } from './cleanup';
import { scramLockouts } from './lockout';
import { PLATFORM, Scope } from './scope';
import type { Check, CheckCategory, CheckResult, ProgressEvent, VerificationReport } from './types';

export interface VerifyOptions {
  /** The model to verify. @default - `loadModel({ env, tenantsDir })`, the model synth uses */
  readonly model?: Model;
  /** @default 'local' */
  readonly env?: string;
  /** @default 'tenants' */
  readonly tenantsDir?: string;
  /** @default - the environment's secret source */
  readonly secrets?: SecretSource;
  /** Tenant ids (and/or `platform`) to scope the run to. @default - the whole fleet */
  readonly tenants?: readonly string[];
  /** Checks running at once. @default 4 */
  readonly concurrency?: number;
  /** @default false */
  readonly skipQuotas?: boolean;
  /** Seed of the sample of probed tenant pairs. @default 'kafka-tenancy' */
  readonly seed?: string;
  /**
   * Probe every ordered pair of tenants on a cluster (O(N²) checks) instead of `targetsPerTenant` seeded targets
   * per tenant plus every tenant whose id shares a prefix with it. Either way, denial across every pair is proven
   * from the live bindings (`conformance.acl-reach`). @default false
   */
  readonly exhaustive?: boolean;
  /** Seeded foreign targets each tenant (and the platform) probes, prefix relatives aside. @default 3 */
  readonly targetsPerTenant?: number;
  /** Run only these categories. @default - all */
  readonly categories?: readonly CheckCategory[];
  readonly quota?: QuotaOptions;
  /** Seals the records the run writes for encrypted tenants. @default - an ephemeral in-memory keyring */
  readonly keyProvider?: KeyProvider;
  /** A check running longer than this is an error. @default 60 s */
  readonly checkTimeoutMs?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_SEED = 'kafka-tenancy';

/**
 * Ordered (actor, target) pairs probed on each cluster: per tenant `targetsPerTenant` seeded targets (and as many
 * times a target) plus every tenant whose id shares a prefix with it; the platform consumers as actors against as
 * many seeded tenants of the shared cluster. Every ordered pair with `exhaustive`.
 */
export function crossTenantPairs(
  model: Model,
  scope: Scope,
  seed: string,
  opts: Pick<VerifyOptions, 'exhaustive' | 'targetsPerTenant'> = {},
): { pairs: Pair[]; note: string } {
  const pairs: Pair[] = [];
  const notes: string[] = [];
  const k = opts.targetsPerTenant ?? DEFAULT_TARGETS_PER_TENANT;
  const options = { seed, exhaustive: opts.exhaustive, targetsPerTenant: k };
  for (const cluster of Object.keys(model.env.clusters).sort()) {
    const ids = model.tenants.filter((t) => t.cluster === cluster).map((t) => t.id);
    const selected = selectPairs(ids, options);
    const full = allPairs(ids).length;
    if (full > 0) {
      const relatives = prefixRelatives(ids).length;
      notes.push(
        selected.length === full
          ? `${cluster}: all ${full} ordered tenant pairs${opts.exhaustive ? ' (exhaustive)' : ''}`
          : `${cluster}: ${selected.length} of ${full} ordered tenant pairs (${k} seeded targets per tenant, seed "${seed}"` +
              `${relatives > 0 ? `, plus the ${relatives} pairs of tenants whose ids share a prefix` : ''})`,
      );
    }
    pairs.push(...selected);
    if (cluster === model.env.sharedCluster && model.platform.consumers.length > 0) {
      const targets = selectTargets(PLATFORM, ids, options);
      if (ids.length > 0 && targets.length < ids.length) {
        notes.push(`${cluster}: platform consumers probe ${targets.length} of ${ids.length} tenants`);
      }
      pairs.push(...targets.map((target) => ({ actor: PLATFORM, target })));
    }
  }
  return {
    pairs: pairs.filter((p) => scope.hasEither(p.actor, p.target)),
    note:
      `live cross-tenant probes per cluster: ${notes.join('; ') || 'none'}` +
      (opts.exhaustive
        ? ''
        : '; denial across every pair is proven from the live ACL bindings (conformance.acl-reach)'),
  };
}

const NO_DECISION = '(a decision)';

/**
 * Run one check under its deadline, abandoning it as soon as its cluster is marked unreachable. A check that gets
 * no answer makes the health tracker probe its cluster (and waits for the verdict, at most one probe deadline), so
 * the checks after it already know.
 */
async function runOne(check: Check, timeoutMs: number, health: ClusterHealth): Promise<CheckResult> {
  const t0 = Date.now();
  const base = {
    id: check.id,
    tenant: check.tenant,
    ...(check.target ? { target: check.target } : {}),
    category: check.category,
    description: check.description,
    cluster: check.cluster,
  };
  const down = health.unreachable(check.cluster);
  if (down) return { ...base, ...unreachableOutcome(down, 'not run'), durationMs: 0 };
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      check.run(),
      health.whenUnreachable(check.cluster),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              Object.assign(new Error(`check did not finish within ${timeoutMs / 1000} s`), { name: 'CheckTimeout' }),
            ),
          timeoutMs,
        );
      }),
    ]);
    return {
      ...base,
      status: outcome.status,
      expected: outcome.expected,
      observed: outcome.observed,
      details: outcome.details ?? [],
      durationMs: Date.now() - t0,
    };
  } catch (e) {
    if (e instanceof ClusterUnreachable) {
      return { ...base, ...unreachableOutcome(e.unreachable, 'abandoned'), durationMs: Date.now() - t0 };
    }
    const err = e as Error;
    const signal = noAnswerSignal(e);
    const cause = signal ? await health.suspect(check.cluster, `${check.id}: ${signal}`) : undefined;
    return {
      ...base,
      status: 'error',
      expected: NO_DECISION,
      observed: `could not run: ${err?.name ?? 'Error'}: ${String(err?.message ?? e).split('\n')[0]}`,
      details: String(err?.message ?? e)
        .split('\n')
        .slice(1),
      durationMs: Date.now() - t0,
      ...(cause ? { cause: cause.resultId } : {}),
    };
  } finally {
    clearTimeout(timer);
  }
}

function unreachableOutcome(u: Unreachable, what: 'not run' | 'abandoned') {
  return {
    status: 'error' as const,
    expected: NO_DECISION,
    observed: `${what}: cluster ${u.cluster} stopped answering (${u.resultId})`,
    details: [],
    cause: u.resultId,
  };
}

/** Run checks with bounded concurrency; results in the order of `checks`. */
export async function runChecks(
  checks: readonly Check[],
  opts: { readonly concurrency: number; readonly timeoutMs: number; readonly health: ClusterHealth },
  done: (r: CheckResult) => void = () => undefined,
): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(checks.length);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const i = next++;
      results[i] = await runOne(checks[i]!, opts.timeoutMs, opts.health);
      done(results[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, checks.length)) }, worker));
  return results;
}

/**
 * The one result that reports a cluster that stopped answering, with the hint; the results it caused point at it
 * (`cause`), so tables show it once.
 */
export function unreachableResult(u: Unreachable, results: readonly CheckResult[], runStarted = u.since): CheckResult {
  const caused = results.filter((r) => r.cause === u.resultId);
  const count = (prefix: string) => caused.filter((r) => r.observed.startsWith(prefix)).length;
  const notRun = count('not run:');
  const abandoned = count('abandoned:');
  return {
    id: u.resultId,
    tenant: `cluster:${u.cluster}`,
    category: 'conformance',
    description: `cluster ${u.cluster} answers Kafka requests for the whole run`,
    cluster: u.cluster,
    status: 'error',
    expected: 'an answer to every request',
    observed:
      `cluster ${u.cluster} stopped answering (${u.probe}); ` +
      `${caused.length} check(s) on it marked error without a decision: ${u.hint}`,
    details: [
      `what made verify probe the cluster: ${u.signal}`,
      `probe: ${u.probe}`,
      `${notRun} check(s) not run, ${abandoned} abandoned while waiting, ${caused.length - notRun - abandoned} errored with no answer of their own`,
      u.hint,
    ],
    // How long into the run the cluster was found gone.
    durationMs: Math.max(0, u.since - runStarted),
  };
}

/** Verify the deployed fleet against its model. Never throws for a failing check: read `report.ok`. */
export async function runVerification(options: VerifyOptions = {}): Promise<VerificationReport> {
  const started = Date.now();
  const declared = options.model ?? loadModel({ env: options.env ?? 'local', tenantsDir: options.tenantsDir });
  // a migrating tenant is verified in the placement it works in now, the other one by checks/migration.ts
  const model = verifyModel(declared);
  const secrets = options.secrets ?? secretSourceFor(model.env);
  const scope = new Scope(model, options.tenants ?? []);
  const seed = options.seed ?? DEFAULT_SEED;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const timeoutMs = options.checkTimeoutMs ?? 60_000;
  const wanted = (checks: Check[]) =>
    options.categories ? checks.filter((c) => options.categories!.includes(c.category)) : checks;
  const ctx = new VerifyContext(model, secrets, options.keyProvider);
  const everyone = ctx.actors();
  const scoped = everyone.filter((a) => scope.has(a.owner));
  const byOwner = new Map<string, Actor[]>();
  for (const a of everyone) byOwner.set(a.owner, [...(byOwner.get(a.owner) ?? []), a]);
  const { pairs, note: pairNote } = crossTenantPairs(model, scope, seed, options);
  const notes: string[] = [pairNote];
  const probing = !options.categories || options.categories.includes('negative');
  if (probing) notes.push(...existenceOracleNotes(ctx, pairs));

  const phases: Array<{ name: string; plan: () => Promise<Check[]> }> = [
    {
      name: 'conformance',
      plan: async () => wanted([...conformanceChecks(ctx, scope, scoped), ...(scope.all ? operatorChecks(ctx) : [])]),
    },
    {
      name: 'access',
      plan: async () => {
        // Pairs the live bindings let across are probed too (the conformance snapshot is already taken).
        const probed = new Set(pairs.map((p) => `${p.actor}\n${p.target}`));
        const reached = probing
          ? (await reachedPairs(ctx, everyone).catch(() => [] as Pair[])).filter(
              (p) => scope.hasEither(p.actor, p.target) && !probed.has(`${p.actor}\n${p.target}`),
            )
          : [];
        if (reached.length > 0) {
          notes.push(
            `${reached.length} more pair(s) probed because live bindings reach across (conformance.acl-reach): ${reached
              .slice(0, 10)
              .map((p) => `${p.actor}->${p.target}`)
              .join(', ')}${reached.length > 10 ? ', …' : ''}`,
          );
        }
        return wanted([
          ...positiveChecks(ctx, scoped),
          ...negativePairChecks(ctx, [...pairs, ...reached], byOwner),
          ...negativePrincipalChecks(ctx, scoped),
          ...sharedTierChecks(
            ctx,
            scoped.filter((a) => a.tenant),
            scoped.filter((a) => !a.tenant),
          ),
          ...dedicatedTierChecks(ctx, everyone, scope),
          ...reservedPartitionChecks(ctx, scope),
          ...(scope.all ? operatorProbeChecks(ctx) : []),
          ...migrationChecks(ctx, declared.tenants, scope),
        ]);
      },
    },
  ];
  if (!options.skipQuotas && (!options.categories || options.categories.includes('quota'))) {
    phases.push({
      name: 'quota',
      plan: async () => {
        const q = await quotaChecks(ctx, scoped, everyone, options.quota);
        notes.push(...q.notes);
        return q.checks;
      },
    });
  } else {
    notes.push('quotas not checked (--skip-quotas)');
  }

  const results: CheckResult[] = [];
  const health = ctx.health;
  try {
    // A cluster that does not answer at all costs one probe deadline, not one timeout per check.
    const probed = scoped.length ? scoped : everyone;
    await Promise.all([...new Set(probed.map((a) => a.cluster))].map((c) => health.suspect(c, 'before the run')));
    // A cluster that refuses every login is one root cause; its checks would only repeat it.
    const lockouts = await scramLockouts(
      ctx,
      probed.filter((a) => !health.unreachable(a.cluster)),
    );
    const locked = new Set(lockouts.map((l) => l.cluster));
    results.push(...lockouts.map((l) => l.result));
    const skipped = new Map<string, number>();
    let planned = lockouts.length;
    for (const phase of phases) {
      const all = locked.size === 0 ? await phase.plan() : await phase.plan().catch(() => [] as Check[]);
      const checks = all.filter((c) => !locked.has(c.cluster));
      for (const c of all) if (locked.has(c.cluster)) skipped.set(c.cluster, (skipped.get(c.cluster) ?? 0) + 1);
      planned += checks.length;
      const total = planned;
      options.onProgress?.({ phase: phase.name, done: results.length, total });
      // Quota probes measure rates and latencies: one at a time, nothing else running.
      const width = phase.name === 'quota' ? 1 : concurrency;
      const phaseResults = await runChecks(checks, { concurrency: width, timeoutMs, health }, (result) => {
        options.onProgress?.({ phase: phase.name, done: results.length + 1, total, result });
        results.push(result);
      });
      results.splice(results.length - phaseResults.length, phaseResults.length, ...phaseResults);
      if (phase.name === 'conformance' && scope.all) {
        const unowned = await withDeadline(unownedTopics(ctx), timeoutMs, 'listing topics').catch(() => []);
        if (unowned.length > 0) {
          notes.push(
            `${unowned.length} topic(s) are under no namespace of the model (not a tenant's, not shared): ${unowned.slice(0, 10).join(', ')}${unowned.length > 10 ? ', …' : ''}`,
          );
        }
      }
    }
    for (const l of lockouts) {
      notes.push(
        `${skipped.get(l.cluster) ?? 0} check(s) on cluster ${l.cluster} were not run: every SCRAM login there is refused (${l.result.id})`,
      );
    }
    // Said once, first: the results it caused point at it.
    results.unshift(...health.all().map((u) => unreachableResult(u, results, started)));
    // Every consumer has left its group when its check ended; the empty groups stay unless deleted.
    const touched = [...new Set(results.map((r) => r.cluster))]
      .filter((c) => ctx.clusters().includes(c) && !locked.has(c) && !health.unreachable(c))
      .sort();
    notes.push(
      ...cleanupNotes(await Promise.all(touched.map((c) => deleteRunGroups(c, () => ctx.admin(c), ctx.runId)))),
    );
  } finally {
    await ctx.close();
  }
  const summary = summarize(results);
  return {
    environment: model.env.name,
    runId: ctx.runId,
    seed,
    scope: scope.owners,
    startedAt: new Date(started).toISOString(),
    wallTimeMs: Date.now() - started,
    concurrency,
    quotasChecked: phases.some((p) => p.name === 'quota'),
    results,
    summary,
    notes,
    owners: ownersByCluster(model),
    ok: summary.checks - summary.skipped > 0 && summary.failed === 0 && summary.errors === 0,
  };
}

/** The owners living on each cluster (tenants of every lifecycle; `platform` on the shared cluster), sorted. */
export function ownersByCluster(model: Model): Record<string, string[]> {
  return Object.fromEntries(
    Object.keys(model.env.clusters)
      .sort()
      .map((cluster) => [
        cluster,
        [
          ...model.tenants.filter((t) => t.cluster === cluster).map((t) => t.id),
          ...(cluster === model.env.sharedCluster && model.platform.consumers.length > 0 ? [PLATFORM] : []),
        ].sort(),
      ]),
  );
}
