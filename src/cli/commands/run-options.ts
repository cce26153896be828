/** Options and set-up shared by the commands that change clusters (deploy, decommission). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { withEnvLock, parseDuration } from '../../pipeline/env-lock';
import { DEFAULT_TERRAFORM_TIMEOUT_MS } from '../../terraform/runner';
import { localDir } from '../../paths';
import { diag } from '../output';

export interface RunOptions {
  readonly env: string;
  /** Milliseconds (parsed from `10m`, `30s`). */
  readonly lockTimeout: number;
  readonly timeout: number;
}

const duration = (v: string): number => {
  try {
    return parseDuration(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

/** `--lock-timeout` and `--timeout`. */
export function withRunOptions(cmd: Command): Command {
  return cmd
    .option(
      '--lock-timeout <duration>',
      'wait this long for another deploy/decommission of the environment (and for Terraform state locks), e.g. 10m',
      duration,
      0,
    )
    .option(
      '--timeout <duration>',
      'deadline of each terraform command; at the deadline terraform and its provider are stopped',
      duration,
      DEFAULT_TERRAFORM_TIMEOUT_MS,
    );
}

/**
 * Run `fn` holding the environment's lock, with a synth folder no other run writes: the given one, or a private
 * folder under `.local/runs/` removed afterwards.
 */
export async function lockedRun<T>(
  o: RunOptions,
  command: string,
  synthOut: string | undefined,
  fn: (outdir: string) => Promise<T>,
): Promise<T> {
  return withEnvLock(o.env, { command, timeoutMs: o.lockTimeout, log: diag }, async () => {
    const own = synthOut === undefined;
    const outdir = own ? privateRunDir(o.env) : path.resolve(synthOut);
    try {
      return await fn(outdir);
    } finally {
      if (own) fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
}

/** A fresh folder for one run's synthesized stacks, under the git-ignored local folder. */
export function privateRunDir(env: string): string {
  const dir = path.join(localDir(), 'runs');
  fs.mkdirSync(dir, { recursive: true });
  return fs.mkdtempSync(path.join(dir, `${env}-${process.pid}-`));
}
