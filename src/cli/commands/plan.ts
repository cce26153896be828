import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { ValidationError } from '../../errors';
import { readyToolchain } from '../../terraform/runner';
import { exportStateBackendEnv } from '../../terraform/state-backend';
import { checkRemovedTenants, computeAffected, refuseRemovedTenants } from '../../pipeline/affected';
import { planStacks } from '../../pipeline/plan';
import { secretSourceFor } from '../../secrets';
import { diag, planDocument, printJson, table } from '../output';
import {
  modelCacheDir,
  projectModel,
  seconds,
  tenantsDirOf,
  withProjectOptions,
  type ProjectOptions,
} from './project-options';
import { privateRunDir, withRunOptions, type RunOptions } from './run-options';

interface PlanCliOptions extends ProjectOptions, RunOptions {
  readonly affected?: boolean;
  readonly base?: string;
  readonly out: string;
  readonly synthOut?: string;
  readonly json?: boolean;
}

export function planCommand(): Command {
  const cmd = withProjectOptions(
    new Command('plan')
      .argument('[stacks...]', 'stacks to plan (default: all, or the affected ones with --affected)')
      .description(
        'synthesize, refuse data-destroying changes (removed tenant files, partition decreases, a new tenant whose prefix already holds topics), then init and plan the stacks with placeholder SCRAM passwords (only admin passwords are needed); saves <stack>.tfplan and the redacted <stack>.plan.json',
      )
      .addHelpText(
        'before',
        'Example:\n  kafka-tenancy plan --affected --base origin/main --out plans && kafka-tenancy plan-review plans/*.plan.json\n  kafka-tenancy plan acme globex\n',
      )
      .option('--affected', 'plan only the stacks affected since --base')
      .option(
        '--base <ref>',
        'git ref: with --affected, what to compare with; also refuses tenant files removed since then',
      )
      .option('--out <dir>', 'plans folder (.tfplan files are apply inputs: keep them on this machine)', 'plans')
      .option(
        '--synth-out <dir>',
        'synth output folder (default: a private folder per run, removed afterwards, so runs never share one)',
      )
      .option('--json', 'print per-stack outcomes, plan files and counts as one JSON document on stdout'),
  );
  return withRunOptions(cmd).action(async (stacks: string[], o: PlanCliOptions, cmd: Command) => {
    try {
      await planAction(stacks, o, cmd);
    } catch (err) {
      // Refused before any plan: the document says why, then the usual diagnostics and exit 1.
      if (o.json && err instanceof ValidationError) printJson(planDocument(path.resolve(o.out), [], err.problems));
      throw err;
    }
  });
}

async function planAction(stacks: string[], o: PlanCliOptions, cmd: Command): Promise<void> {
  if (o.affected && !o.base) cmd.error('error: --affected needs --base <ref>', { exitCode: 2 });
  if (o.affected && stacks.length) cmd.error('error: give stack names or --affected, not both', { exitCode: 2 });
  const root = path.resolve(o.root);
  const model = projectModel(o);
  exportStateBackendEnv(model.env);
  let selected: string[] | undefined = stacks.length ? stacks : undefined;
  let allowedRemovals: string[] = [];
  if (o.affected) {
    const res = computeAffected({
      root,
      base: o.base!,
      env: o.env,
      tenantsDir: tenantsDirOf(o),
      log: diag,
      cacheDir: modelCacheDir(),
    });
    refuseRemovedTenants(res.removal);
    allowedRemovals = res.removal.allowed.map((a) => a.id);
    selected = res.stacks.filter((s) => s.status !== 'removed').map((s) => s.stack);
    diag(`affected since ${o.base}: ${selected.join(', ') || 'none'}`);
  } else if (o.base) {
    const verdict = checkRemovedTenants({ root, base: o.base, model, tenantsDir: tenantsDirOf(o) });
    refuseRemovedTenants(verdict);
    allowedRemovals = verdict.allowed.map((a) => a.id);
  }
  const t0 = Date.now();
  const synthOut = o.synthOut ? path.resolve(o.synthOut) : privateRunDir(o.env);
  const results = await planStacks({
    model,
    root,
    tenantsDir: tenantsDirOf(o),
    synthOut,
    plansDir: path.resolve(o.out),
    stacks: selected,
    allowedRemovals,
    cli: readyToolchain(diag),
    secrets: secretSourceFor(model.env),
    log: diag,
    runner: { timeoutMs: o.timeout, lockTimeoutMs: o.lockTimeout },
  }).finally(() => {
    if (!o.synthOut) fs.rmSync(synthOut, { recursive: true, force: true });
  });
  if (o.json) {
    printJson(planDocument(path.resolve(o.out), results));
  } else {
    const t = table(['stack', 'outcome', 'add', 'change', 'replace', 'remove', 'seconds']);
    results.forEach((r) => t.push([r.stack, r.outcome, r.add, r.change, r.replace, r.remove, seconds(r.durationMs)]));
    process.stdout.write(results.length ? t.toString() + '\n' : 'nothing to plan\n');
  }
  diag(`planned ${results.length} stack(s) into ${path.resolve(o.out)} in ${seconds(Date.now() - t0)} s`);
}
