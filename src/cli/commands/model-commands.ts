import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';

import { ENVIRONMENT_RULES, RULES, projectRoot, tenantJsonSchema } from '../../model';
import type { Model } from '../../model/types';
import { environmentWarnings } from '../../model/rules/environment';
import { synthesize } from '../../stacks/synth';
import { deploy, describeChangeCounts, totalChangeCounts } from '../../pipeline/deploy';
import { readyToolchain } from '../../terraform/runner';
import { exportStateBackendEnv } from '../../terraform/state-backend';
import { secretSourceFor } from '../../secrets';
import { checkRemovedTenants, refuseRemovedTenants } from '../../pipeline/affected';
import { deployDocument, diag, printJson, table, validateDocument } from '../output';
import { baseModel, projectModel, tenantsDirOf, withProjectOptions, type ProjectOptions } from './project-options';
import { beforesFromBase, CHANGE_RULES, changeProblems } from '../../pipeline/preflight';
import { ValidationError } from '../../errors';
import { lockedRun, withRunOptions, type RunOptions } from './run-options';

export function defaultOutdir(): string {
  return path.join(projectRoot(), 'cdktf.out');
}

/** `--out <dir>`, by default cdktf.out of this checkout; --help says so instead of printing a machine path. */
export function outdirOption(description: string): Option {
  return new Option('--out <dir>', description).default(defaultOutdir(), 'cdktf.out in this checkout');
}

/** One rule of any table, for `validate --rules`. */
export interface RuleListing {
  /** What the rule looks at: `environment` (the environment file alone), `tenants` (tenant files with the
   * environment), `change` (against what is deployed or the base revision: `--base`, plan, deploy). */
  readonly scope: 'environment' | 'tenants' | 'change';
  readonly code: string;
  readonly description: string;
}

/** Every validation rule, environment first, then tenant rules, then change rules (each table in its order). */
export function ruleListing(): RuleListing[] {
  return [
    ...ENVIRONMENT_RULES.map((r) => ({ scope: 'environment' as const, code: r.code, description: r.describe })),
    ...RULES.map((r) => ({ scope: 'tenants' as const, code: r.code, description: r.describe })),
    ...CHANGE_RULES.map((r) => ({ scope: 'change' as const, code: r.code, description: r.describe })),
  ];
}

export function validateCommand(): Command {
  return withProjectOptions(
    new Command('validate')
      .description('check every tenant file and the environment; prints every problem at once (exit 1 if any)')
      .addHelpText(
        'before',
        'Example:\n  kafka-tenancy validate --env local\n  kafka-tenancy validate --base origin/main   # also refuses removed tenant files\n  kafka-tenancy validate --rules              # what is checked, by code\n',
      )
      .option(
        '--base <ref>',
        'git ref: also apply the change rules against that revision (removed tenant files and topics, partition decreases, cluster moves)',
      )
      .option('--rules', 'list every rule (scope, code, description) instead of validating')
      .option(
        '--json',
        'print one JSON document on stdout: {ok, env, tenants, problems} (problems with line and col when known); with --rules, {rules}',
      ),
  ).action((o: ProjectOptions & { base?: string; rules?: boolean; json?: boolean }) => {
    if (o.rules) {
      const rules = ruleListing();
      if (o.json) {
        printJson({ rules });
      } else {
        const t = table(['scope', 'code', 'description']);
        rules.forEach((r) => t.push([r.scope, r.code, r.description]));
        process.stdout.write(t.toString() + '\n');
      }
      return;
    }
    let model: Model;
    try {
      model = projectModel(o);
      if (o.base) {
        const root = path.resolve(o.root);
        refuseRemovedTenants(checkRemovedTenants({ root, base: o.base, model, tenantsDir: tenantsDirOf(o) }));
        const base = baseModel({ env: o.env, tenantsDir: o.tenantsDir, root }, o.base);
        const changes = base ? changeProblems(beforesFromBase(base), model) : [];
        if (changes.length) throw new ValidationError(changes);
      }
    } catch (err) {
      // The document, then the usual lines on stderr and exit 1.
      if (o.json && err instanceof ValidationError) printJson(validateDocument(o.env, null, err.problems));
      throw err;
    }
    const warnings = environmentWarnings(model.env, `environments/${model.env.name}.yaml`);
    if (o.json)
      printJson({
        ...validateDocument(
          o.env,
          model.tenants.map((t) => t.id),
          [],
        ),
        warnings,
      });
    for (const w of warnings) diag(`warning: ${w.file}: ${w.path}: ${w.message}`);
    diag(`${model.tenants.length} tenant(s) valid for environment "${model.env.name}"`);
  });
}

export function schemaCommand(): Command {
  return new Command('schema')
    .description(
      'print the JSON Schema of a tenant file, or --write it to tenants/tenant.schema.json, where the first line of every tenant file points editors (completion, hover help)',
    )
    .addHelpText(
      'before',
      'Example:\n  kafka-tenancy schema --write   # tenants/tenant.schema.json; run it after every upgrade and commit it\n  kafka-tenancy schema > /tmp/tenant.schema.json\n',
    )
    .option('--write [file]', 'write to a file instead of stdout (default: tenants/tenant.schema.json under the root)')
    .option('--root <dir>', 'project root holding tenants/ (default: this checkout)')
    .action((o: { write?: string | true; root?: string }) => {
      const text = JSON.stringify(tenantJsonSchema(), null, 2) + '\n';
      if (o.write === undefined) {
        process.stdout.write(text);
        return;
      }
      const file = path.resolve(
        o.write === true ? path.join(o.root ?? projectRoot(), 'tenants', 'tenant.schema.json') : o.write,
      );
      const shown = path.relative(process.cwd(), file) || file;
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) {
        diag(`${shown} is up to date`);
        return;
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      diag(`wrote ${shown}`);
    });
}

export function synthCommand(): Command {
  return withProjectOptions(
    new Command('synth')
      .description(
        'validate, then synthesize one stack per tenant plus the platform stack (no Kafka or Terraform needed)',
      )
      .addHelpText('before', 'Example:\n  kafka-tenancy synth --out cdktf.out\n')
      .addOption(outdirOption('output folder (created with its parents if missing)'))
      .option('--json', 'print the result (output folder, stacks, partition map file) as JSON on stdout'),
  ).action((o: ProjectOptions & { out: string; json?: boolean }) => {
    const model = projectModel(o);
    // cdktf creates the output folder but not its parents: `--out build/cdktf.out` in a fresh checkout works too.
    fs.mkdirSync(path.resolve(o.out), { recursive: true });
    const res = synthesize(model, path.resolve(o.out));
    if (o.json) printJson(res);
    diag(
      `synthesized ${res.stacks.length} stacks into ${res.outdir} in ${res.durationMs} ms: ${res.stacks.join(', ')}`,
    );
  });
}

export function deployCommand(): Command {
  return withRunOptions(
    withProjectOptions(
      new Command('deploy')
        .argument('[stacks...]', 'stacks to deploy (default: all, platform first)')
        .description(
          'synthesize, then init/plan/apply stacks with the local toolchain (provider mirror, no registry); refuses, before applying anything, a plan that deletes a topic nothing approves and a new tenant whose topic prefix already holds topics; one run per environment at a time',
        )
        .addHelpText(
          'before',
          'Example:\n  kafka-tenancy deploy            # everything that changed since its last apply\n  kafka-tenancy deploy acme globex\n  kafka-tenancy deploy --refresh --parallelism 4   # plan every stack (drift check), 4 terraform runs at once\n  kafka-tenancy deploy --base HEAD~1 --lock-timeout 10m acme   # after a merge, in a pipeline\n',
        )
        .option(
          '--out <dir>',
          'synth output folder (default: a private folder per run, removed afterwards; `synth` writes cdktf.out)',
        )
        .option(
          '--base <ref>',
          'git ref deployed before: refuses tenant files removed since then unless decommissioned (any state backend)',
        )
        .addOption(
          new Option(
            '--parallelism <n>',
            'terraform processes at once (plans, then applies; the platform applies first, alone)',
          )
            .argParser(positiveInt)
            .default(Math.max(1, os.availableParallelism()), 'the number of cores'),
        )
        .option(
          '--refresh',
          'plan every selected stack, also those unchanged since their last successful apply (which are skipped otherwise): a full drift check',
        )
        .option('--json', 'print per-stack outcomes and added/changed/destroyed counts as JSON on stdout'),
    ),
  ).action(async (stacks: string[], o: DeployCliOptions) => {
    try {
      await deployAction(stacks, o);
    } catch (err) {
      // Refused before anything was applied: the document says why, then the usual diagnostics and exit 1.
      if (o.json && err instanceof ValidationError)
        printJson(deployDocument({ env: o.env, results: [], problems: err.problems }));
      throw err;
    }
  });
}

type DeployCliOptions = ProjectOptions &
  RunOptions & { out?: string; base?: string; json?: boolean; parallelism: number; refresh?: boolean };

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number of at least 1, got "${v}"`);
  return n;
}

async function deployAction(stacks: string[], o: DeployCliOptions): Promise<void> {
  const model = projectModel(o);
  for (const w of environmentWarnings(model.env, `environments/${model.env.name}.yaml`)) {
    diag(`warning: ${w.file}: ${w.path}: ${w.message}`);
  }
  let base: Model | undefined;
  if (o.base) {
    const root = path.resolve(o.root);
    refuseRemovedTenants(checkRemovedTenants({ root, base: o.base, model, tenantsDir: tenantsDirOf(o) }));
    base = baseModel({ env: o.env, tenantsDir: o.tenantsDir, root }, o.base);
  }
  exportStateBackendEnv(model.env);
  const cli = readyToolchain(diag);
  const t0 = Date.now();
  const results = await lockedRun(o, ['deploy', ...stacks].join(' '), o.out, async (outdir) => {
    const synth = synthesize(model, outdir);
    return deploy({
      model,
      base,
      outdir: synth.outdir,
      stacks,
      cli,
      secrets: secretSourceFor(model.env),
      log: diag,
      timeoutMs: o.timeout,
      lockTimeoutMs: o.lockTimeout,
      parallelism: o.parallelism,
      incremental: !o.refresh,
    });
  });
  const durationMs = Date.now() - t0;
  if (o.json) {
    printJson(deployDocument({ env: model.env.name, results, tool: `${cli.flavour} ${cli.version}`, durationMs }));
  } else {
    const t = table(['stack', 'outcome', 'changes', 'seconds']);
    results.forEach((r) =>
      t.push([
        r.stack,
        r.outcome === 'unchanged' ? 'unchanged (skipped)' : r.outcome,
        describeChangeCounts(r.changes),
        (r.durationMs / 1000).toFixed(1),
      ]),
    );
    process.stdout.write(t.toString() + '\n');
    process.stdout.write(`total: ${describeChangeCounts(totalChangeCounts(results))} in ${results.length} stack(s)\n`);
  }
  const skipped = results.filter((r) => r.outcome === 'unchanged').length;
  diag(
    `deployed ${results.length} stack(s)${skipped ? ` (${skipped} unchanged, skipped)` : ''} with ${cli.flavour} ${cli.version} in ${(durationMs / 1000).toFixed(1)} s`,
  );
  if (!o.json) process.stdout.write(fleetSummary(model, stacks) + '\n');
}

/** What each tenant got: tier, cluster, topics, principals, ACL bindings per principal, quotas. */
export function fleetSummary(model: Model, only: readonly string[] = []): string {
  const out = table(['tenant', 'tier', 'cluster', 'topics', 'principals (ACL bindings)', 'producer quota B/s']);
  for (const t of model.tenants) {
    if (only.length && !only.includes(t.id)) continue;
    out.push([
      t.id + (t.lifecycle === 'decommissioning' ? ' (decommissioning)' : ''),
      t.tier,
      t.cluster,
      t.topics.map((x) => `${x.name} (${x.partitions}p)`).join('\n') || '-',
      t.principals.map((p) => `${p.username} (${p.acls.length})`).join('\n'),
      t.principals.map((p) => String(p.quota.producerByteRate)).join('\n'),
    ]);
  }
  if (!only.length || only.includes('platform')) {
    out.push([
      'platform',
      '-',
      model.env.sharedCluster,
      model.platform.topics.map((x) => `${x.name} (${x.partitions}p)`).join('\n'),
      model.platform.consumers.map((p) => `${p.username} (${p.acls.length})`).join('\n'),
      model.platform.consumers.map((p) => String(p.quota.producerByteRate)).join('\n'),
    ]);
  }
  return out.toString();
}
