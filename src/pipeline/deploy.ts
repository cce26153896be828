import { clustersOf, stackClusterOf } from '../model/migration';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError, ValidationError, type Problem } from '../errors';
import type { Model } from '../model/types';
import { stateDir } from '../paths';
import type { TerraformCli } from '../toolchain/toolchain';
import { reusedTenantIdProblems, reviewBlockerProblems } from './guards';
import { reviewContext, reviewPlans, type ReviewContext } from '../review';
import { beforeFromState, beforesFromBase, changeProblems } from './preflight';
import { readLocalState, terraformState } from '../terraform/state';
import { checkStateBackend } from '../terraform/state-backend';
import { deployedTopics, redactPlan, stateResources, type TfAction, type TfPlan } from '../terraform/json';
import { secretNames, type SecretSource } from '../secrets';
import { loginAnswer } from '../kafka/client';
import { clusterEndpoint } from '../platform/connection';
import { DEPLOYER_USER } from '../platform/identities';
import { deployOrder, PLATFORM_STACK } from '../stacks/app';
import { operatorTopicLister, type TopicLister } from './live-topics';
import { isTransientProviderError, StackRunner, type PlanOutcome } from '../terraform/runner';
import {
  localStateStamp,
  readAppliedRecord,
  removeAppliedRecord,
  skipDecision,
  stackDirHash,
  writeAppliedRecord,
} from './applied-record';
import { runStackPool, type StackRun } from './stack-pool';

export interface DeployOptions {
  readonly model: Model;
  /** Synthesized output (cdktf.out). */
  readonly outdir: string;
  /** Stack names to deploy; @default - every stack in the synthesized output */
  readonly stacks?: readonly string[];
  readonly cli: TerraformCli;
  readonly secrets: SecretSource;
  /**
   * The model of the revision deployed before (e.g. the previous main): its tenants and topics are checked with
   * the change rules too (src/pipeline/preflight.ts), besides each stack's state.
   */
  readonly base?: Model;
  /** Topics on a cluster, for the new-tenant check; @default - listed as the cluster's admin */
  readonly liveTopics?: TopicLister;
  /**
   * Does the deployer log in on a cluster? Asked before a run that includes the platform stack (see `deploy`).
   * @default - a real login; when `liveTopics` is injected (a run without clusters), every cluster is ready
   */
  readonly deployerReady?: (cluster: string) => Promise<boolean>;
  /** Deadline of each terraform command; @default DEFAULT_TERRAFORM_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** How long plan/apply wait for a state lock; @default 0 */
  readonly lockTimeoutMs?: number;
  /**
   * Terraform processes at once: plans, then applies (the platform applies alone, before any tenant stack).
   * @default 1 (the CLI's `--parallelism` defaults to the number of cores)
   */
  readonly parallelism?: number;
  /**
   * Skip a stack whose configuration is the one of its last successful apply (src/pipeline/applied-record.ts):
   * no terraform run, outcome `unchanged`.
   * @default false - plan every selected stack, a full drift check (the CLI skips unless `--refresh`)
   */
  readonly incremental?: boolean;
  readonly log?: (msg: string) => void;
}

export interface StackDeployResult {
  readonly stack: string;
  /** `unchanged`: not planned, its configuration is the one of its last successful apply (incremental deploy). */
  readonly outcome: 'applied' | 'no-changes' | 'unchanged';
  /** What the reviewed plan applied; all zero for `no-changes` and `unchanged`. */
  readonly changes: ChangeCounts;
  readonly durationMs: number;
}

/**
 * Terraform's apply summary ("1 imported, 2 added, 1 changed, 1 destroyed"), counted from a plan JSON's
 * `resource_changes`: a replacement is one added and one destroyed; `forget` (a `removed` block with
 * `destroy = false`) leaves the object alone, so it is counted apart, never as destroyed.
 */
export interface ChangeCounts {
  readonly imported: number;
  readonly added: number;
  readonly changed: number;
  readonly destroyed: number;
  readonly forgotten: number;
}

export const NO_CHANGES: ChangeCounts = { imported: 0, added: 0, changed: 0, destroyed: 0, forgotten: 0 };

const COUNTED: Partial<Record<TfAction, keyof ChangeCounts>> = {
  create: 'added',
  update: 'changed',
  delete: 'destroyed',
  forget: 'forgotten',
};

export function planChangeCounts(plan: TfPlan): ChangeCounts {
  const n = { ...NO_CHANGES };
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === 'data') continue;
    for (const action of rc.change.actions) {
      const key = COUNTED[action];
      if (key) n[key]++;
    }
    // `change.importing` (Terraform ≥ 1.5) marks a resource an import block adopts.
    if ((rc.change as { importing?: unknown }).importing) n.imported++;
  }
  return n;
}

export function addChangeCounts(a: ChangeCounts, b: ChangeCounts): ChangeCounts {
  return {
    imported: a.imported + b.imported,
    added: a.added + b.added,
    changed: a.changed + b.changed,
    destroyed: a.destroyed + b.destroyed,
    forgotten: a.forgotten + b.forgotten,
  };
}

export function totalChangeCounts(results: readonly StackDeployResult[]): ChangeCounts {
  return results.reduce<ChangeCounts>((sum, r) => addChangeCounts(sum, r.changes), NO_CHANGES);
}

/** `2 added, 1 changed, 0 destroyed`, with `N imported` and `N forgotten` only when there are any. */
export function describeChangeCounts(c: ChangeCounts): string {
  return [
    ...(c.imported ? [`${c.imported} imported`] : []),
    `${c.added} added`,
    `${c.changed} changed`,
    `${c.destroyed} destroyed`,
    ...(c.forgotten ? [`${c.forgotten} forgotten`] : []),
  ].join(', ');
}

/** Stacks as synthesized, in deploy order: platform first, then tenants by name (no stack depends on another in cdktf). */
export function synthesizedStacks(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, unknown>;
  };
  return deployOrder(Object.keys(manifest.stacks));
}

/**
 * Local-state stacks whose tenant file is gone. Removing a file must never destroy a tenant's topics, so
 * deploy refuses until the tenant is decommissioned explicitly (lifecycle: decommissioning) or its state is
 * archived by a human.
 */
export function orphanedStacks(model: Model, known: readonly string[]): string[] {
  if (model.env.state.backend !== 'local') return [];
  const dir = stateDir(model.env.name);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.tfstate'))
    .map((f) => f.replace(/\.tfstate$/, ''))
    .filter((stack) => !known.includes(stack) && stateHasResources(path.join(dir, `${stack}.tfstate`)))
    .sort();
}

function stateHasResources(file: string): boolean {
  try {
    const text = fs.readFileSync(file, 'utf8');
    // Managed resources only: the ledger's terraform_remote_state read is a data source, not something owned.
    return text.trim() !== '' && stateResources(JSON.parse(text)).length > 0;
  } catch {
    return true;
  }
}

/** Every stack the model synthesizes, in deploy order: platform first, then one per tenant. */
export function modelStacks(model: Model): string[] {
  return deployOrder([PLATFORM_STACK, ...model.tenants.map((t) => t.id)]);
}

/**
 * The stacks a run works on: `requested` (undefined: all of the model's), refused when one is not a stack of the
 * model, or when a deployed stack belongs to no tenant file and no approved removal.
 */
export function selectStacks(
  model: Model,
  requested: readonly string[] | undefined,
  allowedRemovals: readonly string[] = [],
): string[] {
  const all = modelStacks(model);
  refuseOrphans(model, all, allowedRemovals);
  const unknown = (requested ?? []).filter((s) => !all.includes(s));
  if (unknown.length) {
    throw new ValidationError(
      unknown.map((s) => ({
        file: `tenants/${s}.yaml`,
        path: '',
        code: 'unknown_stack',
        message: `no stack "${s}"; stacks are: ${all.join(', ')}`,
      })),
    );
  }
  return requested ? all.filter((s) => requested.includes(s)) : all;
}

/** Refuse local states of stacks with no tenant file, unless their removal was judged fine (decommissioned). */
export function refuseOrphans(model: Model, known: readonly string[], allowed: readonly string[] = []): void {
  const orphans = orphanedStacks(model, known).filter((s) => !allowed.includes(s));
  if (orphans.length === 0) return;
  throw new ValidationError(
    orphans.map((stack) => ({
      file: `tenants/${stack}.yaml`,
      path: '',
      code: 'tenant_file_removed',
      message:
        `tenant "${stack}" is deployed but its file is gone; removing a file never deletes a tenant. ` +
        `restore the file and set "lifecycle: decommissioning" (add "deleteDataOnDecommission: true" only if its topics may be deleted), ` +
        `deploy (kafka-tenancy decommission ${stack}), then remove the file`,
    })),
  );
}

/**
 * What must hold before a planned stack may be applied; the problems of the files to change otherwise. Only a
 * plan with changes is looked at (`show -json` costs a terraform run), which is every plan that could hurt:
 *
 * - no unapproved data loss. `prevent_destroy` refuses destroying a topic whose block is still there, but a topic
 *   removed or renamed in a tenant file (or in the environment's `sharedTopics`) takes its block, and its
 *   protection, with it. Plan review tells which deletions the model approves;
 * - a tenant stack with no state yet (a new tenant) finds no topic under its prefix on its cluster.
 */
export async function preApplyProblems(
  stack: string,
  plan: TfPlan,
  ctx: ReviewContext,
  model: Model,
  liveTopics: TopicLister,
  ours: ReadonlySet<string> = new Set(),
): Promise<Problem[]> {
  const problems = reviewBlockerProblems(reviewPlans([{ stack, plan: redactPlan(plan) }], ctx));
  const tenant = model.tenants.find((t) => t.id === stack);
  if (tenant && stateResources(plan.prior_state ?? {}).length === 0) {
    const live = (await liveTopics(stackClusterOf(tenant))).filter((t) => !ours.has(t));
    problems.push(...reusedTenantIdProblems(tenant, live));
  }
  return problems;
}

/**
 * Init and plan every selected stack, refuse if any plan would lose data nothing approves (or create a tenant
 * over someone's retained topics), then apply the plans with changes: the platform first and alone, then the
 * tenant stacks, at most `parallelism` terraform processes at a time. Nothing is applied when anything is refused:
 * every guard (change rules, review of every plan, reused tenant id, adoption, pending journal) runs for every
 * planned stack before the first apply. Before anything, every cluster involved must answer (bounded: a frozen
 * broker fails the run in seconds, naming the cluster). A previous run that was interrupted is finished: declared
 * topics it created that are live but missing from state are adopted (import blocks).
 *
 * With `incremental`, a stack whose configuration is the one of its last successful apply is not planned at all
 * (outcome `unchanged`; src/pipeline/applied-record.ts says when exactly).
 *
 * A failing apply stops the run from starting more applies; those running finish. The error then says, per stack,
 * what was applied, what failed and what was not started (the next deploy plans those again).
 */
export async function deploy(opts: DeployOptions): Promise<StackDeployResult[]> {
  const log = opts.log ?? (() => undefined);
  const selected = selectStacks(opts.model, opts.stacks?.length ? opts.stacks : undefined);
  // Tenant stacks are applied by the deployer, which the platform stack creates (as the admin). Until it can log
  // in on every cluster — a fresh environment, or the first deploy after the operators were introduced — the
  // platform stack runs alone first: a tenant stack with state refreshes as the deployer.
  const ready =
    opts.deployerReady ??
    (opts.liveTopics ? async () => true : (c: string) => deployerLogsIn(opts.model, opts.secrets, c));
  if (!selected.includes(PLATFORM_STACK)) {
    // Tenant stacks only: the deployer must exist where they go, or every apply fails on its login.
    const clusters = [...new Set(selected.flatMap((s) => stackClusters(opts.model, s)))].sort();
    const missing = await clustersWithoutDeployer(opts.model, ready, clusters);
    if (missing.length > 0) {
      throw new EnvironmentError(
        `${DEPLOYER_USER} cannot log in on ${missing.join(', ')}: nothing was planned or applied`,
        'the platform stack creates the operator principals (as the admin): deploy it first (kafka-tenancy deploy platform), or deploy everything',
      );
    }
  } else if (selected.length > 1) {
    const waiting = await clustersWithoutDeployer(opts.model, ready);
    if (waiting.length > 0) {
      log(
        `bootstrap: ${DEPLOYER_USER} cannot log in on ${waiting.join(', ')} yet: the platform stack runs first, alone`,
      );
      const first = await deployStacks({ ...opts, stacks: [PLATFORM_STACK] });
      await waitForDeployer(opts.model, ready, waiting);
      const rest = await deployStacks({ ...opts, stacks: selected.filter((s) => s !== PLATFORM_STACK) });
      return [...first, ...rest];
    }
  }
  return deployStacks(opts);
}

/**
 * False when the deployer has no password yet or the broker refuses its login. A cluster that does not answer at
 * all is not decided here: the reachability preflight reports it, naming the cluster.
 */
async function deployerLogsIn(model: Model, secrets: SecretSource, cluster: string): Promise<boolean> {
  const password = secrets.get(secretNames.scram(DEPLOYER_USER));
  if (!password) return false;
  const endpoint = clusterEndpoint(model.env, cluster, secrets);
  return (await loginAnswer(endpoint, { username: DEPLOYER_USER, password }, 5_000)) !== 'SASL_AUTHENTICATION_FAILED';
}

/** Clusters (of `among`, default all) where the deployer does not log in (no password yet, or no SCRAM user yet). */
async function clustersWithoutDeployer(
  model: Model,
  ready: (c: string) => Promise<boolean>,
  among: readonly string[] = Object.keys(model.env.clusters).sort(),
): Promise<string[]> {
  const out: string[] = [];
  for (const cluster of among) if (!(await ready(cluster))) out.push(cluster);
  return out;
}

/** After the platform stack created the deployer: every broker knows the credential (bounded: 30 tries). */
async function waitForDeployer(
  model: Model,
  ready: (c: string) => Promise<boolean>,
  clusters: readonly string[],
): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const left = (await clustersWithoutDeployer(model, ready)).filter((c) => clusters.includes(c));
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new EnvironmentError(
    `${DEPLOYER_USER} still cannot log in after the platform stack created it`,
    'check the platform stack applied (kafka-tenancy deploy platform) and the SCRAM credential on each cluster',
  );
}

async function deployStacks(opts: DeployOptions): Promise<StackDeployResult[]> {
  const log = opts.log ?? (() => undefined);
  const { model } = opts;
  // An empty list selects every stack here (deploy everything), unlike plan's (plan nothing).
  const selected = selectStacks(model, opts.stacks?.length ? opts.stacks : undefined);
  const ctx = reviewContext(model, opts.base);
  // Who applies, lists: a run with the platform stack is the admin's (it may be the one that creates the deployer).
  const liveTopics =
    opts.liveTopics ??
    operatorTopicLister(model.env, opts.secrets, selected.includes(PLATFORM_STACK) ? 'admin' : 'deployer');
  const runnerOpts = { timeoutMs: opts.timeoutMs, lockTimeoutMs: opts.lockTimeoutMs };
  const baseBefores = opts.base ? beforesFromBase(opts.base) : [];
  const parallelism = Math.max(1, Math.floor(opts.parallelism ?? 1) || 1);
  const stackDir = (stack: string) => path.join(opts.outdir, 'stacks', stack);

  // Hashed as synthesized, before adoption adds import blocks to the file.
  const hashes = new Map(selected.map((s) => [s, configHash(stackDir(s), opts.cli)]));
  const skipped = new Set(opts.incremental ? selected.filter((s) => skippable(model, s, hashes.get(s))) : []);
  const toPlan = selected.filter((s) => !skipped.has(s));
  log(
    `${selected.length} stack(s): ${toPlan.length} to plan` +
      (opts.incremental ? `, ${skipped.size} unchanged since their last apply (skipped; --refresh plans them)` : '') +
      `; up to ${parallelism} terraform process(es) at once`,
  );

  // The state database and every cluster answer before the first terraform run (bounded), or nothing happens.
  // Skipped stacks' clusters too: a run that reports stacks as deployed has seen their clusters answer.
  await checkStateBackend(model.env);
  const clusters = [...new Set(selected.flatMap((s) => stackClusters(model, s)))];
  await Promise.all(clusters.map((c) => liveTopics(c)));

  const problems = new Map<string, Problem[]>();
  // A skipped stack applies nothing, so plan review and the reused-tenant-id check have nothing to judge, and the
  // checks that read live state (adoption of live topics missing from state, the pending-topics journal) exist to
  // finish an interrupted apply: a stack is skipped only when its last apply of this very configuration completed
  // (the record is removed before every apply and written after it succeeds), with no pending journal and, for a
  // local backend, its state untouched since. The change rules are cheap without terraform (local state file,
  // base revision), so they still run and a skipped stack refuses the run exactly as a planned one would.
  for (const stack of skipped) {
    const state = readLocalState(model.env, stack);
    const befores = [
      ...(state ? [beforeFromState(stack, state)] : []),
      ...baseBefores.filter((b) => b.stack === stack),
    ];
    const found = changeProblems(befores, model);
    if (found.length) problems.set(stack, found);
  }

  const planRuns = await runStackPool(
    toPlan,
    async (stack): Promise<PlannedStack | undefined> => {
      const t0 = Date.now();
      const runner = new StackRunner(stackDir(stack), opts.cli, opts.secrets, runnerOpts);
      log(`[${stack}] init`);
      await runner.init();
      const state = readLocalState(model.env, stack) ?? (await terraformState(opts.cli, runner.stackDir));
      // The change rules of validate --base / plan / plan-review, before any plan: same codes, same messages.
      const changes = changeProblems(
        [beforeFromState(stack, state), ...baseBefores.filter((b) => b.stack === stack)],
        model,
      );
      if (changes.length) {
        problems.set(stack, changes);
        return undefined;
      }
      const inState = new Set(deployedTopics(state).map((t) => t.name));
      const pending = readPendingTopics(model, stack);
      const live = new Set(await liveTopics(stackCluster(model, stack)));
      const adopt = declaredTopicAddresses(runner.stackDir).filter(
        (t) => live.has(t.name) && !inState.has(t.name) && (inState.size > 0 || pending.has(t.name)),
      );
      if (adopt.length) {
        log(
          `[${stack}] adopting ${adopt.length} declared topic(s) that exist on the cluster but not in state (an interrupted apply): ${adopt.map((t) => t.name).join(', ')}`,
        );
        addImportBlocks(runner.stackDir, adopt);
      }
      log(`[${stack}] plan`);
      const outcome: PlanOutcome = await runner.plan();
      let counts = NO_CHANGES;
      if (outcome === 'changes') {
        const plan = (await runner.showPlanJson()) as TfPlan;
        const skip = new Set([...pending, ...adopt.map((t) => t.name)]);
        const found = await preApplyProblems(stack, plan, ctx, model, liveTopics, skip);
        if (found.length) problems.set(stack, found);
        counts = planChangeCounts(plan);
      } else {
        // Configuration and live state agree: as good as a successful apply of this configuration.
        recordApplied(model, stack, hashes.get(stack), opts.cli);
      }
      const planMs = Date.now() - t0;
      log(
        `[${stack}] planned in ${(planMs / 1000).toFixed(1)} s: ${outcome === 'changes' ? describeChangeCounts(counts) : 'no changes'}`,
      );
      return { stack, runner, outcome, changes: counts, planMs, first: inState.size === 0 };
    },
    { parallelism },
  );
  const planned = planRuns.flatMap((r) => (r.status === 'done' && r.value ? [r.value] : []));
  const removePlans = () =>
    planned.forEach((p) => fs.rmSync(path.join(p.runner.stackDir, 'plan.tfplan'), { force: true }));
  if (planRuns.some((r) => r.status !== 'done')) {
    removePlans();
    throw planFailure(planRuns);
  }
  if (problems.size) {
    removePlans();
    throw new ValidationError(selected.flatMap((s) => problems.get(s) ?? []));
  }

  const byStack = new Map(planned.map((p) => [p.stack, p]));
  const applyRuns = await runStackPool(
    planned.filter((p) => p.outcome === 'changes').map((p) => p.stack),
    async (stack): Promise<number> => {
      const { runner } = byStack.get(stack)!;
      const t0 = Date.now();
      // Until this apply succeeds, the stack has no record: interrupted or failed, it is planned again next time.
      removeAppliedRecord(model.env, stack);
      // A first apply writes down what it is about to create, so that if it is interrupted the next run can
      // tell its own topics (adopt them) from someone else's (refuse: tenant_id_reused).
      if (byStack.get(stack)!.first)
        writePendingTopics(
          model,
          stack,
          declaredTopicAddresses(runner.stackDir).map((t) => t.name),
        );
      await applyWithRetry(stack, runner, ctx, model, liveTopics, log);
      clearPendingTopics(model, stack);
      recordApplied(model, stack, hashes.get(stack), opts.cli);
      log(`[${stack}] applied in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return Date.now() - t0;
    },
    // The platform's shared topics exist before a shared-tier tenant writes to them.
    { parallelism, first: PLATFORM_STACK },
  );
  const applied = new Map(applyRuns.map((r) => [r.stack, r]));

  // Counted from the reviewed plan: a re-plan after a lost connection only finishes that plan.
  const results: StackDeployResult[] = selected.map((stack) => {
    const p = byStack.get(stack);
    if (!p) return { stack, outcome: 'unchanged', changes: NO_CHANGES, durationMs: 0 };
    const run = applied.get(stack);
    return {
      stack,
      outcome: p.outcome === 'changes' ? 'applied' : 'no-changes',
      changes: p.changes,
      durationMs: p.planMs + (run?.status === 'done' ? run.value : 0),
    };
  });
  if (applyRuns.some((r) => r.status !== 'done')) throw applyFailure(applyRuns, results);
  return results;
}

interface PlannedStack {
  readonly stack: string;
  readonly runner: StackRunner;
  readonly outcome: PlanOutcome;
  readonly changes: ChangeCounts;
  readonly planMs: number;
  /** No topic in state yet: the apply journals its topics first (pending-topics). */
  readonly first: boolean;
}

/** Hash of a synthesized stack; undefined when it cannot be read (the stack is then planned, and fails as before). */
function configHash(dir: string, cli: TerraformCli): string | undefined {
  try {
    return stackDirHash(dir, cli);
  } catch {
    return undefined;
  }
}

function skippable(model: Model, stack: string, hash: string | undefined): boolean {
  if (hash === undefined) return false;
  return skipDecision({
    record: readAppliedRecord(model.env, stack),
    hash,
    state: model.env.state.backend === 'local' ? localStateStamp(model.env, stack) : undefined,
    pendingFirstApply: fs.existsSync(pendingFile(model, stack)),
  }).skip;
}

function recordApplied(model: Model, stack: string, hash: string | undefined, cli: TerraformCli): void {
  if (hash !== undefined) writeAppliedRecord(model.env, stack, hash, cli);
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Planning failed somewhere: nothing was applied. One failure is rethrown as it is; several are reported together. */
function planFailure(runs: readonly StackRun<unknown>[]): unknown {
  const failed = runs.flatMap((r) => (r.status === 'failed' ? [r] : []));
  if (failed.length === 1) return failed[0]!.error;
  const notStarted = runs.filter((r) => r.status === 'not-started').map((r) => r.stack);
  return new EnvironmentError(
    failed.map((r) => errorMessage(r.error)).join('\n') +
      `\n${failed.length} stack(s) failed to plan (${failed.map((r) => r.stack).join(', ')})` +
      (notStarted.length ? `, ${notStarted.length} not planned after that` : '') +
      '; nothing was applied',
  );
}

/**
 * An apply failed: say what happened to every stack. A lone failure with nothing else applied or left over is
 * rethrown as it is (the single-stack deploy's error, unchanged).
 */
function applyFailure(runs: readonly StackRun<number>[], results: readonly StackDeployResult[]): unknown {
  const failed = runs.flatMap((r) => (r.status === 'failed' ? [r] : []));
  const done = runs.filter((r) => r.status === 'done').map((r) => r.stack);
  const notStarted = runs.filter((r) => r.status === 'not-started').map((r) => r.stack);
  if (failed.length === 1 && done.length === 0 && notStarted.length === 0) return failed[0]!.error;
  const quiet = results.filter((r) => r.outcome !== 'applied').length;
  const list = (xs: readonly string[]) => (xs.length ? ` (${xs.join(', ')})` : '');
  const first = failed.find((r) => r.error instanceof EnvironmentError)?.error as EnvironmentError | undefined;
  return new EnvironmentError(
    failed.map((r) => errorMessage(r.error)).join('\n') +
      `\ndeploy stopped after a failure: ${failed.length} failed${list(failed.map((r) => r.stack))}, ` +
      `${done.length} applied${list(done)}, ${notStarted.length} not started${list(notStarted)}; ` +
      `${quiet} had nothing to apply. The next deploy plans the failed and not started stacks again`,
    first?.hint,
  );
}

/** Key of the cluster a stack's default provider talks to (the source while a tenant moves between clusters). */
function stackCluster(model: Model, stack: string): string {
  const tenant = model.tenants.find((t) => t.id === stack);
  return tenant ? stackClusterOf(tenant) : model.env.sharedCluster;
}

/** Every cluster a stack touches (both during a move between clusters). */
function stackClusters(model: Model, stack: string): string[] {
  const tenant = model.tenants.find((t) => t.id === stack);
  return tenant ? clustersOf(tenant) : [model.env.sharedCluster];
}

/** `kafka_topic` blocks of a synthesized stack: address (logical id) and topic name. */
export function declaredTopicAddresses(stackDir: string): Array<{ address: string; name: string }> {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as {
    resource?: { kafka_topic?: Record<string, { name: string }> };
  };
  return Object.entries(json.resource?.kafka_topic ?? {}).map(([address, t]) => ({ address, name: t.name }));
}

/** Terraform `import` blocks (≥ 1.5) for topics the state lacks: the plan adopts them instead of creating them. */
export function addImportBlocks(stackDir: string, topics: ReadonlyArray<{ address: string; name: string }>): void {
  const file = path.join(stackDir, 'cdk.tf.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  json.import = [
    ...((json.import as unknown[] | undefined) ?? []),
    ...topics.map((t) => ({ to: `kafka_topic.${t.address}`, id: t.name })),
  ];
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}

const pendingFile = (model: Model, stack: string) =>
  path.join(stateDir(model.env.name), `${stack}.pending-topics.json`);

function readPendingTopics(model: Model, stack: string): Set<string> {
  try {
    return new Set(JSON.parse(fs.readFileSync(pendingFile(model, stack), 'utf8')) as string[]);
  } catch {
    return new Set();
  }
}

function writePendingTopics(model: Model, stack: string, topics: readonly string[]): void {
  fs.mkdirSync(stateDir(model.env.name), { recursive: true });
  fs.writeFileSync(pendingFile(model, stack), JSON.stringify([...topics].sort()) + '\n');
}

function clearPendingTopics(model: Model, stack: string): void {
  fs.rmSync(pendingFile(model, stack), { force: true });
}

/**
 * Apply the saved plan; when the provider loses its broker connection midway (seen on freshly started clusters),
 * plan again — the state keeps what was applied — review the new plan like the first, and apply it. Bounded.
 */
async function applyWithRetry(
  stack: string,
  runner: StackRunner,
  ctx: ReviewContext,
  model: Model,
  liveTopics: TopicLister,
  log: (msg: string) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      log(`[${stack}] apply`);
      await runner.apply();
      return;
    } catch (err) {
      if (attempt >= 3 || !isTransientProviderError(err)) throw err;
      log(`[${stack}] the provider lost its broker connection; planning again (attempt ${attempt + 1} of 3)`);
      await new Promise((r) => setTimeout(r, 2000 * attempt));
      if ((await runner.plan()) === 'no-changes') return;
      const plan = (await runner.showPlanJson()) as TfPlan;
      const problems = await preApplyProblems(stack, plan, ctx, model, liveTopics, readPendingTopics(model, stack));
      if (problems.length) throw new ValidationError(problems);
    }
  }
}
