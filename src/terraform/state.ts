/** Reading a stack's current Terraform state, without planning. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import { stateDir } from '../local/paths';
import { terraformEnv, type TerraformCli } from '../local/toolchain';
import type { Environment } from '../model/environment';
import { stateResources, type StateResource } from './json';

/** The local backend's state file of a stack; undefined for remote backends. */
export function localStateFile(env: Environment, stack: string): string | undefined {
  return env.state.backend === 'local' ? path.join(stateDir(env.name), `${stack}.tfstate`) : undefined;
}

/**
 * Resources in a stack's local state file: [] when the stack was never deployed, undefined when the backend is
 * remote (use `terraformState` after `init`).
 */
export function readLocalState(env: Environment, stack: string): StateResource[] | undefined {
  const file = localStateFile(env, stack);
  if (!file) return undefined;
  if (!fs.existsSync(file)) return [];
  try {
    const text = fs.readFileSync(file, 'utf8');
    // Terraform creates the file empty when it takes the lock; a run killed before writing leaves it so.
    if (text.trim() === '') return [];
    return stateResources(JSON.parse(text));
  } catch (err) {
    throw new EnvironmentError(`cannot read the state of stack "${stack}" (${file}): ${(err as Error).message}`);
  }
}

const STATE_COMMAND_TIMEOUT_MS = 5 * 60_000;

/** Run terraform in a directory with our CLI config; throws with the tail of the output on failure. */
export function terraform(cli: TerraformCli, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const res = spawnSync(cli.bin, args, {
    cwd,
    env: terraformEnv(env),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    // Reads and state edits only: bounded, and stopped gracefully at the deadline.
    timeout: STATE_COMMAND_TIMEOUT_MS,
    killSignal: 'SIGTERM',
  });
  if (res.error || res.status !== 0) {
    const out = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new EnvironmentError(
      `${cli.flavour} ${args[0]} ${args[1] ?? ''} failed in ${cwd} (exit ${res.status}):\n${out}`,
    );
  }
  return res.stdout;
}

/** Resources in the state of an initialized stack directory (any backend): `terraform show -json`. */
export function terraformState(cli: TerraformCli, stackDir: string): StateResource[] {
  return stateResources(JSON.parse(terraform(cli, stackDir, ['show', '-json', '-no-color'])) as unknown);
}

/** The state of a stack: the local file when there is one, else terraform in the (initialized) stack dir. */
export function currentState(env: Environment, stack: string, cli: TerraformCli, stackDir: string): StateResource[] {
  return readLocalState(env, stack) ?? terraformState(cli, stackDir);
}
