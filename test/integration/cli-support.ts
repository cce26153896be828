/**
 * The built CLI as a user runs it against a project of a test's own (`--env`, `--root`, its own `.local` and state
 * folder), with a deadline per command, and the few helpers every such test needs: fail with the output's tail,
 * poll a broker signal with a bound, and run `verify --json` expecting every check to pass.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const CLI = path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'index.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface TestProject {
  readonly env: string;
  readonly root: string;
  readonly localDir: string;
  readonly stateDir: string;
}

export type Cli = (args: string[], deadlineMs?: number) => Promise<CliResult>;

/** Runs `kafka-tenancy <args> --env <env> --root <root>`; SIGTERM at the deadline, SIGKILL 15 s later. */
export function projectCli(p: TestProject): Cli {
  return (args, deadlineMs = 600_000) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, ...args, '--env', p.env, '--root', p.root], {
      cwd: p.root,
      env: {
        ...process.env,
        KAFKA_TENANCY_LOCAL_DIR: p.localDir,
        KAFKA_TENANCY_STATE_DIR: p.stateDir,
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const term = setTimeout(() => child.kill('SIGTERM'), deadlineMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), deadlineMs + 15_000);
    return new Promise((resolve) =>
      child.on('close', (status) => {
        clearTimeout(term);
        clearTimeout(kill);
        resolve({ status, stdout, stderr, ms: Date.now() - t0 });
      }),
    );
  };
}

export const tail = (text: string, lines = 60) => text.trim().split('\n').slice(-lines).join('\n');

export function expectOk(what: string, res: CliResult): CliResult {
  if (res.status !== 0)
    throw new Error(`${what} failed (exit ${res.status}):\n${tail(`${res.stdout}\n${res.stderr}`)}`);
  return res;
}

/** Poll (bounded) until `fn` returns a value; the error names what was awaited and the last observation. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface VerifyResult {
  readonly id: string;
  readonly status: string;
  readonly observed: string;
  readonly details?: readonly string[];
}

/** `verify --skip-quotas --json`: prints a summary and the checks that did not pass, and expects none. */
export async function verifyPasses(cli: Cli, label: string): Promise<VerifyResult[]> {
  const res = await cli(['verify', '--skip-quotas', '--json']);
  let results: VerifyResult[] = [];
  try {
    results = (JSON.parse(res.stdout) as { results: VerifyResult[] }).results;
  } catch {
    throw new Error(`verify (${label}) printed no report (exit ${res.status}):\n${tail(res.stderr)}`);
  }
  const bad = results.filter((r) => r.status !== 'pass' && r.status !== 'skipped');
  console.log(
    `verify (${label}): exit ${res.status} in ${(res.ms / 1000).toFixed(1)} s, ${results.length} checks, ` +
      `${results.filter((r) => r.id.includes('migration')).length} of them about the migration, ${bad.length} not passed\n` +
      bad.map((r) => `  ${r.status} ${r.id}: ${r.observed}`).join('\n'),
  );
  expect(bad.map((r) => `${r.id}: ${r.observed}`)).toEqual([]);
  expect(res.status).toBe(0);
  return results;
}
