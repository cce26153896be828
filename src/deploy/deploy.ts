import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError, type Problem } from '../errors';
import type { Model } from '../model/types';
import { stateDir } from '../local/paths';
import type { TerraformCli } from '../local/toolchain';
import { reusedTenantIdProblems, reviewBlockerProblems } from '../pipeline/guards';
import { reviewContext, reviewPlans, type ReviewContext } from '../pipeline/plan-review';
import { redactPlan, stateResources, type TfPlan } from '../pipeline/terraform-json';
import type { SecretSource } from '../secrets';
import { adminTopicLister, type TopicLister } from './live-topics';
import { isTransientProviderError, StackRunner, type PlanOutcome } from './terraform';

export interface DeployOptions {
  readonly model: Model;
  /** Synthesized output (cdktf.out). */
  readonly outdir: string;
  /** Stack names to deploy; @default - every stack in the synthesized output */
  readonly stacks?: readonly string[];
  readonly cli: TerraformCli;
  readonly secrets: SecretSource;
  /**
   * The model of the revision deployed before (e.g. the previous main): a topic removed since then may be
   * deleted when that revision said `allowDataLoss: true` on it. Without it, removing a topic is always refused.
   */
  readonly base?: Model;
  /** Topics on a cluster, for the new-tenant check; @default - listed as the cluster's admin */
  readonly liveTopics?: TopicLister;
  readonly log?: (msg: string) => void;
}

export interface StackDeployResult {
  readonly stack: string;
  readonly outcome: 'applied' | 'no-changes';
  readonly durationMs: number;
}

/** Stacks as synthesized, in deploy order: platform first (tenants on the shared cluster depend on it). */
export function synthesizedStacks(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { dependencies?: string[] }>;
  };
  const names = Object.keys(manifest.stacks).sort();
  const ordered: string[] = [];
  const visit = (n: string, seen: Set<string>) => {
    if (ordered.includes(n) || seen.has(n)) return;
    seen.add(n);
    for (const d of manifest.stacks[n]?.dependencies ?? []) visit(d, seen);
    ordered.push(n);
  };
  names.forEach((n) => visit(n, new Set()));
  return ordered;
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
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { resources?: unknown[] };
    return (state.resources ?? []).length > 0;
  } catch {
    return true;
  }
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
): Promise<Problem[]> {
  const problems = reviewBlockerProblems(reviewPlans([{ stack, plan: redactPlan(plan) }], ctx));
  const tenant = model.tenants.find((t) => t.id === stack);
  if (tenant && stateResources(plan.prior_state ?? {}).length === 0) {
    problems.push(...reusedTenantIdProblems(tenant, await liveTopics(tenant.cluster)));
  }
  return problems;
}

/**
 * Init and plan every selected stack, refuse if any plan would lose data nothing approves (or create a tenant
 * over someone's retained topics), then apply the plans with changes, in dependency order, one at a time.
 * Nothing is applied when anything is refused.
 */
export async function deploy(opts: DeployOptions): Promise<StackDeployResult[]> {
  const log = opts.log ?? (() => undefined);
  const all = synthesizedStacks(opts.outdir);
  refuseOrphans(opts.model, all);
  const unknown = (opts.stacks ?? []).filter((s) => !all.includes(s));
  if (unknown.length) {
    throw new ValidationError(
      unknown.map((s) => ({
        file: 'cdktf.out/manifest.json',
        path: '',
        code: 'unknown_stack',
        message: `no stack "${s}"; stacks are: ${all.join(', ')}`,
      })),
    );
  }
  const selected = opts.stacks?.length ? all.filter((s) => opts.stacks!.includes(s)) : all;
  const ctx = reviewContext(opts.model, opts.base);
  const liveTopics = opts.liveTopics ?? adminTopicLister(opts.model.env, opts.secrets);

  const problems: Problem[] = [];
  const planned: Array<{ stack: string; runner: StackRunner; outcome: PlanOutcome; planMs: number }> = [];
  for (const stack of selected) {
    const t0 = Date.now();
    const runner = new StackRunner(path.join(opts.outdir, 'stacks', stack), opts.cli, opts.secrets);
    log(`[${stack}] init`);
    runner.init();
    log(`[${stack}] plan`);
    const outcome: PlanOutcome = runner.plan();
    if (outcome === 'changes') {
      problems.push(...(await preApplyProblems(stack, runner.showPlanJson() as TfPlan, ctx, opts.model, liveTopics)));
    }
    planned.push({ stack, runner, outcome, planMs: Date.now() - t0 });
  }
  if (problems.length) {
    for (const p of planned) fs.rmSync(path.join(p.runner.stackDir, 'plan.tfplan'), { force: true });
    throw new ValidationError(problems);
  }

  const results: StackDeployResult[] = [];
  for (const { stack, runner, outcome, planMs } of planned) {
    const t0 = Date.now();
    if (outcome === 'changes') await applyWithRetry(stack, runner, ctx, opts.model, liveTopics, log);
    results.push({
      stack,
      outcome: outcome === 'changes' ? 'applied' : 'no-changes',
      durationMs: planMs + Date.now() - t0,
    });
  }
  return results;
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
      runner.apply();
      return;
    } catch (err) {
      if (attempt >= 3 || !isTransientProviderError(err)) throw err;
      log(`[${stack}] the provider lost its broker connection; planning again (attempt ${attempt + 1} of 3)`);
      await new Promise((r) => setTimeout(r, 2000 * attempt));
      if (runner.plan() === 'no-changes') return;
      const problems = await preApplyProblems(stack, runner.showPlanJson() as TfPlan, ctx, model, liveTopics);
      if (problems.length) throw new ValidationError(problems);
    }
  }
}
