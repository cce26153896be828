import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError, type Problem } from '../errors';
import type { Model } from '../model/types';
import { stateDir } from '../local/paths';
import type { TerraformCli } from '../local/toolchain';
import { reusedTenantIdProblems, reviewBlockerProblems } from './guards';
import { reviewContext, reviewPlans, type ReviewContext } from '../review';
import { beforeFromState, beforesFromBase, changeProblems } from './preflight';
import { readLocalState, terraformState } from '../terraform/state';
import { deployedTopics, redactPlan, stateResources, type TfAction, type TfPlan } from '../terraform/json';
import type { SecretSource } from '../secrets';
import { deployOrder, PLATFORM_STACK } from '../stacks/app';
import { adminTopicLister, type TopicLister } from './live-topics';
import { isTransientProviderError, StackRunner, type PlanOutcome } from '../terraform/runner';

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
  /** Deadline of each terraform command; @default DEFAULT_TERRAFORM_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** How long plan/apply wait for a state lock; @default 0 */
  readonly lockTimeoutMs?: number;
  readonly log?: (msg: string) => void;
}

export interface StackDeployResult {
  readonly stack: string;
  readonly outcome: 'applied' | 'no-changes';
  /** What the reviewed plan applied; all zero for `no-changes`. */
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
    const live = (await liveTopics(tenant.cluster)).filter((t) => !ours.has(t));
    problems.push(...reusedTenantIdProblems(tenant, live));
  }
  return problems;
}

/**
 * Init and plan every selected stack, refuse if any plan would lose data nothing approves (or create a tenant
 * over someone's retained topics), then apply the plans with changes, in dependency order, one at a time.
 * Nothing is applied when anything is refused. Before anything, every cluster involved must answer (bounded:
 * a frozen broker fails the run in seconds, naming the cluster). A previous run that was interrupted is
 * finished: declared topics it created that are live but missing from state are adopted (import blocks).
 */
export async function deploy(opts: DeployOptions): Promise<StackDeployResult[]> {
  const log = opts.log ?? (() => undefined);
  // An empty list selects every stack here (deploy everything), unlike plan's (plan nothing).
  const selected = selectStacks(opts.model, opts.stacks?.length ? opts.stacks : undefined);
  const ctx = reviewContext(opts.model, opts.base);
  const liveTopics = opts.liveTopics ?? adminTopicLister(opts.model.env, opts.secrets);
  const runnerOpts = { timeoutMs: opts.timeoutMs, lockTimeoutMs: opts.lockTimeoutMs };
  const baseBefores = opts.base ? beforesFromBase(opts.base) : [];

  // Every cluster answers before the first terraform run (bounded), or nothing happens.
  const clusters = [...new Set(selected.map((s) => stackCluster(opts.model, s)))];
  await Promise.all(clusters.map((c) => liveTopics(c)));

  const problems: Problem[] = [];
  const planned: Array<{
    stack: string;
    runner: StackRunner;
    outcome: PlanOutcome;
    changes: ChangeCounts;
    planMs: number;
    first: boolean;
  }> = [];
  for (const stack of selected) {
    const t0 = Date.now();
    const runner = new StackRunner(path.join(opts.outdir, 'stacks', stack), opts.cli, opts.secrets, runnerOpts);
    log(`[${stack}] init`);
    await runner.init();
    const state = readLocalState(opts.model.env, stack) ?? (await terraformState(opts.cli, runner.stackDir));
    // The change rules of validate --base / plan / plan-review, before any plan: same codes, same messages.
    const changes = changeProblems(
      [beforeFromState(stack, state), ...baseBefores.filter((b) => b.stack === stack)],
      opts.model,
    );
    if (changes.length) {
      problems.push(...changes);
      continue;
    }
    const inState = new Set(deployedTopics(state).map((t) => t.name));
    const pending = readPendingTopics(opts.model, stack);
    const live = new Set(await liveTopics(stackCluster(opts.model, stack)));
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
      problems.push(...(await preApplyProblems(stack, plan, ctx, opts.model, liveTopics, skip)));
      counts = planChangeCounts(plan);
    }
    planned.push({ stack, runner, outcome, changes: counts, planMs: Date.now() - t0, first: inState.size === 0 });
  }
  if (problems.length) {
    for (const p of planned) fs.rmSync(path.join(p.runner.stackDir, 'plan.tfplan'), { force: true });
    throw new ValidationError(problems);
  }

  const results: StackDeployResult[] = [];
  for (const { stack, runner, outcome, changes, planMs, first } of planned) {
    const t0 = Date.now();
    if (outcome === 'changes') {
      // A first apply writes down what it is about to create, so that if it is interrupted the next run can
      // tell its own topics (adopt them) from someone else's (refuse: tenant_id_reused).
      if (first)
        writePendingTopics(
          opts.model,
          stack,
          declaredTopicAddresses(runner.stackDir).map((t) => t.name),
        );
      await applyWithRetry(stack, runner, ctx, opts.model, liveTopics, log);
      clearPendingTopics(opts.model, stack);
    }
    // Counted from the reviewed plan: a re-plan after a lost connection only finishes that plan.
    results.push({
      stack,
      outcome: outcome === 'changes' ? 'applied' : 'no-changes',
      changes,
      durationMs: planMs + Date.now() - t0,
    });
  }
  return results;
}

/** Key of the cluster a stack's provider talks to. */
function stackCluster(model: Model, stack: string): string {
  return model.tenants.find((t) => t.id === stack)?.cluster ?? model.env.sharedCluster;
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
