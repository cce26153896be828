/**
 * Child processes that never outlive us and never run without a deadline (terraform/tofu and its provider
 * plugins):
 *
 * - each child leads its own process group, so a deadline or an interrupt stops terraform *and* the provider
 *   plugins it started (they inherit the group), SIGTERM first (terraform then stops gracefully and writes its
 *   state), SIGKILL after a grace period;
 * - the group's leader is a small `sh` guard that, on SIGTERM, stops the whole group (see GROUP_GUARD); on
 *   Linux it is started through `setpriv --pdeathsig TERM` (util-linux), so it gets that SIGTERM when this
 *   process dies, even of SIGKILL, which no handler sees. Without setpriv (macOS) a SIGKILLed parent can still
 *   leave an orphan; SIGINT/SIGTERM are forwarded everywhere;
 * - SIGINT/SIGTERM received while children run are forwarded to their groups; we exit once they have stopped.
 */
import { spawn } from 'node:child_process';
import { which } from './exec';

export interface SupervisedOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Hard deadline for the whole run. */
  readonly timeoutMs: number;
  /** Between SIGTERM and SIGKILL once the deadline passed or we are interrupted. @default 10000 */
  readonly graceMs?: number;
  /** Cap on captured output per stream. @default 256 MiB */
  readonly maxBuffer?: number;
}

export interface SupervisedResult {
  readonly status: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The deadline passed and the process group was stopped. */
  readonly timedOut: boolean;
  readonly durationMs: number;
}

const running = new Set<number>();
let forwarding: ((sig: NodeJS.Signals) => void) | undefined;
let setpriv: string | null | undefined;

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

function installForwarding(): void {
  if (forwarding) return;
  forwarding = (sig) => {
    for (const pid of running) killGroup(pid, 'SIGTERM');
    // Leave once the children are gone (their close handlers run first), or after a bounded wait.
    let waited = 0;
    const tick = setInterval(() => {
      waited += 200;
      if (running.size === 0 || waited >= 15_000) {
        for (const pid of running) killGroup(pid, 'SIGKILL');
        clearInterval(tick);
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }
    }, 200);
  };
  process.on('SIGINT', forwarding);
  process.on('SIGTERM', forwarding);
}

function removeForwarding(): void {
  if (!forwarding || running.size > 0) return;
  process.off('SIGINT', forwarding);
  process.off('SIGTERM', forwarding);
  forwarding = undefined;
}

/**
 * Leader of the child's process group: runs the command, and on SIGTERM/SIGINT stops the whole group — the
 * command and whatever it started (terraform's provider plugins outlived a terraform that was stopped while the
 * machine was loaded) — SIGTERM first, SIGKILL after 15 s. Without a signal it is transparent (exit status too).
 */
const GROUP_GUARD =
  'trap \'trap "" TERM INT; kill -TERM 0 2>/dev/null; (sleep 15; kill -KILL 0 2>/dev/null) & wait "$pid"; kill -KILL 0 2>/dev/null\' TERM INT; ' +
  '"$@" & pid=$!; wait "$pid"';

/**
 * `[cmd, ...args]` under the group guard, which gets SIGTERM when we die (Linux, util-linux setpriv
 * --pdeathsig) and then stops the whole group.
 */
export function deathSignalWrapped(cmd: string, args: readonly string[]): [string, string[]] {
  if (setpriv === undefined) setpriv = process.platform === 'linux' ? (which('setpriv') ?? null) : null;
  const guarded = ['sh', '-c', GROUP_GUARD, 'kafka-tenancy-guard', cmd, ...args];
  return setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', ...guarded]] : [guarded[0], guarded.slice(1)];
}

/** Run to completion or deadline; never throws for a non-zero exit (the caller decides). */
export function runSupervised(
  cmd: string,
  args: readonly string[],
  opts: SupervisedOptions,
): Promise<SupervisedResult> {
  const t0 = Date.now();
  const max = opts.maxBuffer ?? 256 * 1024 * 1024;
  const [bin, argv] = deathSignalWrapped(cmd, args);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout.on('data', (b: Buffer) => {
      if (outLen < max) out.push(b);
      outLen += b.length;
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errLen < max) err.push(b);
      errLen += b.length;
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), opts.graceMs ?? 10_000);
    }, opts.timeoutMs);
    const done = () => {
      clearTimeout(deadline);
      clearTimeout(killTimer);
      if (child.pid) running.delete(child.pid);
      removeForwarding();
    };
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('close', (code, signal) => {
      done();
      // Stragglers of the group (a provider plugin that ignored SIGTERM) go with it.
      if (child.pid && timedOut) killGroup(child.pid, 'SIGKILL');
      resolve({
        status: code ?? 1,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        durationMs: Date.now() - t0,
      });
    });
    if (child.pid) {
      running.add(child.pid);
      installForwarding();
    }
  });
}
