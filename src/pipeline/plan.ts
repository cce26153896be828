/**
 * `kafka-tenancy plan`: synthesize, refuse what would destroy data before Terraform runs (removed tenant files,
 * partition decreases, a new tenant over someone's retained topics), then init and plan only the selected stacks.
 * Each plan is saved as `<stack>.tfplan` and, redacted, as `<stack>.plan.json` (the input of plan review).
 *
 * Planning needs no tenant password: the runners are plan-only, so SCRAM password variables get a placeholder
 * (they only feed write-only attributes). The admin password is still needed to refresh. Secret variables are
 * ephemeral, so Terraform keeps them out of `.tfplan` files; the files still stay on the machine that plans (they
 * are apply inputs). Only the redacted `.plan.json` and the review leave it.
 */
import { clustersOf, stackClusterOf } from '../model/migration';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError, type Problem } from '../errors';
import { selectStacks } from './deploy';
import { operatorTopicLister, type TopicLister } from './live-topics';
import { StackRunner, type StackRunnerOptions } from '../terraform/runner';
import { checkStateBackend } from '../terraform/state-backend';
import type { TerraformCli } from '../toolchain/toolchain';
import type { Model } from '../model/types';
import type { SecretSource } from '../secrets';
import { synthesize } from '../stacks/synth';
import { reusedTenantIdProblems } from './guards';
import { beforeFromState, changeProblems } from './preflight';
import { currentState } from '../terraform/state';
import { changeKind } from '../review';
import { redactPlan, type TfPlan } from '../terraform/json';

export interface PlanOptions {
  readonly model: Model;
  /** Project root the model was loaded from (for declared positions of topics). */
  readonly root: string;
  /** @default "tenants" */
  readonly tenantsDir?: string;
  /** Synth output folder. */
  readonly synthOut: string;
  /** Where `<stack>.tfplan` and `<stack>.plan.json` go; previous plans there are removed first. */
  readonly plansDir: string;
  /** Stacks to plan; @default - every stack */
  readonly stacks?: readonly string[];
  /** Removed tenants whose removal was judged fine (decommissioned): not refused as orphans. */
  readonly allowedRemovals?: readonly string[];
  readonly cli: TerraformCli;
  /** Admin passwords only: SCRAM passwords are placeholders while planning. */
  readonly secrets: SecretSource;
  /** Topics on a cluster, for the new-tenant check; @default - listed as the cluster's admin */
  readonly liveTopics?: TopicLister;
  readonly log?: (msg: string) => void;
  /** Deadlines of the terraform runs (timeoutMs, lockTimeoutMs for state locks). */
  readonly runner?: StackRunnerOptions;
}

export interface StackPlanResult {
  readonly stack: string;
  readonly outcome: 'changes' | 'no-changes';
  readonly planFile: string;
  readonly jsonFile: string;
  readonly add: number;
  readonly change: number;
  readonly replace: number;
  readonly remove: number;
  readonly durationMs: number;
}

const countActions = (plan: TfPlan) => {
  const n = { add: 0, change: 0, replace: 0, remove: 0 };
  for (const rc of plan.resource_changes ?? []) {
    const k = changeKind(rc.change.actions);
    if (k === 'add' || k === 'change' || k === 'replace' || k === 'remove') n[k]++;
  }
  return n;
};

export async function planStacks(opts: PlanOptions): Promise<StackPlanResult[]> {
  const log = opts.log ?? (() => undefined);
  const selected = selectStacks(opts.model, opts.stacks, opts.allowedRemovals ?? []);
  // Only the selected stacks: a pull request that adds one tenant synthesizes one stack, not the fleet.
  const synth = synthesize(opts.model, opts.synthOut, { only: opts.stacks ? selected : undefined });
  log(`synthesized ${synth.stacks.length} stack(s) in ${synth.durationMs} ms`);

  // Every guard runs for every selected stack before the first plan, so one run reports every problem.
  const runners = new Map(
    selected.map((s) => [
      s,
      new StackRunner(path.join(opts.synthOut, 'stacks', s), opts.cli, opts.secrets, {
        ...opts.runner,
        planOnly: true,
      }),
    ]),
  );
  const liveTopics = opts.liveTopics ?? operatorTopicLister(opts.model.env, opts.secrets, 'planner');
  // The state database and every cluster answer before the first terraform run (bounded), as for deploy.
  await checkStateBackend(opts.model.env);
  const clusters = new Set(
    selected.flatMap((s) => {
      const t = opts.model.tenants.find((x) => x.id === s);
      return t ? clustersOf(t) : [opts.model.env.sharedCluster];
    }),
  );
  await Promise.all([...clusters].map((c) => liveTopics(c)));
  const problems: Problem[] = [];
  for (const stack of selected) {
    const runner = runners.get(stack)!;
    if (opts.model.env.state.backend !== 'local') {
      log(`[${stack}] init`);
      await runner.init();
    }
    const state = await currentState(opts.model.env, stack, opts.cli, runner.stackDir);
    problems.push(...changeProblems([beforeFromState(stack, state)], opts.model));
    const tenant = opts.model.tenants.find((t) => t.id === stack);
    if (tenant && state.length === 0)
      problems.push(...reusedTenantIdProblems(tenant, await liveTopics(stackClusterOf(tenant))));
  }
  if (problems.length) throw new ValidationError(problems);

  fs.mkdirSync(opts.plansDir, { recursive: true });
  for (const f of fs.readdirSync(opts.plansDir)) {
    if (f.endsWith('.tfplan') || f.endsWith('.plan.json')) fs.rmSync(path.join(opts.plansDir, f));
  }
  const results: StackPlanResult[] = [];
  for (const stack of selected) {
    const t0 = Date.now();
    const runner = runners.get(stack)!;
    if (opts.model.env.state.backend === 'local') {
      log(`[${stack}] init`);
      await runner.init();
    }
    log(`[${stack}] plan`);
    const planFile = path.resolve(opts.plansDir, `${stack}.tfplan`);
    const outcome = await runner.plan(planFile);
    const plan = redactPlan((await runner.showPlanJson(planFile)) as TfPlan);
    const jsonFile = path.resolve(opts.plansDir, `${stack}.plan.json`);
    fs.writeFileSync(jsonFile, JSON.stringify(plan, null, 2) + '\n');
    results.push({ stack, outcome, planFile, jsonFile, ...countActions(plan), durationMs: Date.now() - t0 });
  }
  return results;
}
