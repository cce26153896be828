import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import { EnvironmentError } from '../errors';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

/** Run a command to completion; on failure throw with the command and the tail of its output. */
export function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions & { hint?: string } = {}): RunResult {
  const res = spawnSync(cmd, args as string[], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (res.error) {
    throw new EnvironmentError(`could not run ${cmd}: ${res.error.message}`, opts.hint);
  }
  const out = { stdout: String(res.stdout ?? ''), stderr: String(res.stderr ?? ''), status: res.status ?? 1 };
  if (out.status !== 0) {
    const tail = (out.stdout + '\n' + out.stderr).trim().split('\n').slice(-25).join('\n');
    throw new EnvironmentError(`${cmd} ${args.join(' ')} failed with exit ${out.status}:\n${tail}`, opts.hint);
  }
  return out;
}

/** Is an executable on PATH? Returns its path. */
export function which(name: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = String(res.stdout ?? '').trim();
  return res.status === 0 && p ? p : undefined;
}
