/** Options shared by the pipeline commands: where the project's tenant and environment files are. */
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadModel, projectRoot } from '../../model';
import { localDir } from '../../paths';
import { ENV_NAME_FORM, ENV_NAME_PATTERN } from '../../model/environment';
import type { Model } from '../../model/types';
import { loadBaseRevision } from '../../pipeline/base-revision';
import { diag } from '../output';

export interface ProjectOptions {
  readonly env: string;
  /** As typed (relative to the current directory); @default - `tenants/` under the root */
  readonly tenantsDir?: string;
  readonly root: string;
}

/** The tenants folder relative to the project root (what git paths and `loadModel` need). */
export function tenantsDirOf(o: ProjectOptions): string {
  if (!o.tenantsDir) return 'tenants';
  return path.relative(path.resolve(o.root), path.resolve(o.tenantsDir)).split(path.sep).join('/') || '.';
}

/** `--env <name>`: a name, never a path (`--env ../x` is a usage error, exit 2). */
export function parseEnvName(value: string): string {
  if (!ENV_NAME_PATTERN.test(value)) {
    throw new InvalidArgumentError(`an environment is a name, not a path: ${ENV_NAME_FORM}`);
  }
  return value;
}

/** `--env <name>`; with `fromVariable`, KAFKA_TENANCY_ENV when the option is not given (checked the same way). */
export function envOption(description: string, fromVariable: boolean): Option {
  const o = new Option('--env <name>', description).argParser(parseEnvName).default('local');
  return fromVariable ? o.env('KAFKA_TENANCY_ENV') : o;
}

/** `--env`, `--tenants-dir` and `--root` (tenant and environment files are read from the root). */
export function withProjectOptions(cmd: Command): Command {
  return cmd
    .addOption(envOption('environment (environments/<name>.yaml)', true))
    .option('--tenants-dir <dir>', 'folder of tenant files (default: tenants/ under the root)')
    .addOption(
      new Option(
        '--root <dir>',
        "project root holding environments/ and the tenants folder (state and secrets stay under this checkout's .local unless KAFKA_TENANCY_STATE_DIR / KAFKA_TENANCY_LOCAL_DIR say otherwise)",
      ).default(projectRoot(), 'this checkout'),
    );
}

/** The project's model. Decoded tenant files are cached under `.local/cache/model` (src/model/decode-cache.ts). */
export function projectModel(o: ProjectOptions): Model {
  return loadModel({ env: o.env, root: path.resolve(o.root), tenantsDir: tenantsDirOf(o), cacheDir: modelCacheDir() });
}

/** Where the decoded-file cache of the model lives: this checkout's `.local/cache/model`. */
export const modelCacheDir = (): string => path.join(localDir(), 'cache', 'model');

/**
 * The model of the base revision (its tenant and environment files read from git, synthesized by the HEAD code),
 * or undefined when that revision does not validate.
 */
export function baseModel(o: ProjectOptions, ref: string): Model | undefined {
  const base = loadBaseRevision({ root: o.root, env: o.env, ref, tenantsDir: tenantsDirOf(o) });
  if (base.invalid) diag(`note: the base revision ${ref} does not validate; reviewing without it`);
  return base.model;
}

export const seconds = (ms: number) => (ms / 1000).toFixed(1);
