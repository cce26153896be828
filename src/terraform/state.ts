/** Reading a stack's current Terraform state, without planning. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import { stateDir } from '../paths';
import { runSupervised } from '../toolchain/supervised';
import { terraformEnv, type TerraformCli } from '../toolchain/toolchain';
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

/**
 * Run a state command (`show`, `state rm`) in a directory with our CLI config, supervised like every terraform
 * run (own process group, deadline, stopped with us); throws with the tail of the output on failure.
 */
export async function terraform(
  cli: TerraformCli,
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const res = await runSupervised(cli.bin, args, {
    cwd,
    env: terraformEnv(env),
    timeoutMs: STATE_COMMAND_TIMEOUT_MS,
  });
  if (res.timedOut || res.status !== 0) {
    const out = `${res.stdout}\n${res.stderr}`.trim().split('\n').slice(-30).join('\n');
    const how = res.timedOut
      ? `did not finish within ${STATE_COMMAND_TIMEOUT_MS / 1000} s`
      : `failed (exit ${res.signal ?? res.status})`;
    throw new EnvironmentError(`${cli.flavour} ${args[0]} ${args[1] ?? ''} ${how} in ${cwd}:\n${out}`);
  }
  return res.stdout;
}

/** Resources in the state of an initialized stack directory (any backend): `terraform show -json`. */
export async function terraformState(cli: TerraformCli, stackDir: string): Promise<StateResource[]> {
  return stateResources(JSON.parse(await terraform(cli, stackDir, ['show', '-json', '-no-color'])) as unknown);
}

/** The state of a stack: the local file when there is one, else terraform in the (initialized) stack dir. */
export async function currentState(
  env: Environment,
  stack: string,
  cli: TerraformCli,
  stackDir: string,
): Promise<StateResource[]> {
  return readLocalState(env, stack) ?? (await terraformState(cli, stackDir));
}
