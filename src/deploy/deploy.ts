import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../errors';
import type { Model } from '../model/types';
import { stateDir } from '../local/paths';
import type { TerraformCli } from '../local/toolchain';
import type { SecretSource } from '../secrets';
import { StackRunner } from './terraform';

export interface DeployOptions {
  readonly model: Model;
  /** Synthesized output (cdktf.out). */
  readonly outdir: string;
  /** Stack names to deploy; @default - every stack in the synthesized output */
  readonly stacks?: readonly string[];
  readonly cli: TerraformCli;
  readonly secrets: SecretSource;
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

export function refuseOrphans(model: Model, known: readonly string[]): void {
  const orphans = orphanedStacks(model, known);
  if (orphans.length === 0) return;
  throw new ValidationError(
    orphans.map((stack) => ({
      file: `tenants/${stack}.yaml`,
      path: '',
      code: 'tenant_file_removed',
      message:
        `tenant "${stack}" is deployed but its file is gone; removing a file never deletes a tenant. ` +
        `restore the file and set "lifecycle: decommissioning" (add "deleteDataOnDecommission: true" only if its topics may be deleted), deploy, then remove the file`,
    })),
  );
}

/** Init, plan and (if anything changed) apply each stack, in dependency order, one at a time. */
export function deploy(opts: DeployOptions): StackDeployResult[] {
  const log = opts.log ?? (() => undefined);
  const all = synthesizedStacks(opts.outdir);
  refuseOrphans(opts.model, all);
  const unknown = (opts.stacks ?? []).filter((s) => !all.includes(s));
  if (unknown.length) {
    throw new ValidationError(
      unknown.map((s) => ({ file: 'cdktf.out/manifest.json', path: '', code: 'unknown_stack', message: `no stack "${s}"; stacks are: ${all.join(', ')}` })),
    );
  }
  const selected = opts.stacks?.length ? all.filter((s) => opts.stacks!.includes(s)) : all;
  return selected.map((stack) => {
    const t0 = Date.now();
    const runner = new StackRunner(path.join(opts.outdir, 'stacks', stack), opts.cli, opts.secrets);
    log(`[${stack}] init`);
    runner.init();
    log(`[${stack}] plan`);
    const outcome = runner.plan();
    if (outcome === 'changes') {
      log(`[${stack}] apply`);
      runner.apply();
    }
    return { stack, outcome: outcome === 'changes' ? 'applied' : 'no-changes', durationMs: Date.now() - t0 };
  });
}
