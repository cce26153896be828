/**
 * One writer per environment on this machine: `deploy` and `decommission` hold `<local>/locks/<env>.lock` from
 * synth to the last apply. A second run waits up to its lock timeout, then fails naming the holder. A lock left
 * by a run that died (its pid is gone on this host) is taken over with a note. Remote state backends lock the
 * state itself as well (Terraform's -lock-timeout); this lock also keeps two runs of one checkout apart.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import { localDir } from '../paths';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly startedAt: string;
}

export interface EnvLockOptions {
  /** How long to wait for another run to finish. @default 0 - fail at once */
  readonly timeoutMs?: number;
  /** What holds the lock, shown to whoever waits: `deploy acme`. */
  readonly command: string;
  readonly log?: (msg: string) => void;
  /** @default `<local>/locks` */
  readonly dir?: string;
  /** Poll interval while waiting. @default 500 */
  readonly pollMs?: number;
}

export function envLockFile(env: string, dir = path.join(localDir(), 'locks')): string {
  return path.join(dir, `${env}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined; // being written, or removed meanwhile
  }
}

const describe = (h: LockHolder): string =>
  `pid ${h.pid} on ${h.host} (kafka-tenancy ${h.command}, started ${h.startedAt})`;

/** Run `fn` holding the environment's lock. */
export async function withEnvLock<T>(env: string, opts: EnvLockOptions, fn: () => Promise<T>): Promise<T> {
  const file = envLockFile(env, opts.dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    command: opts.command,
    startedAt: new Date().toISOString(),
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 0);
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o644 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder && holder.host === me.host && !alive(holder.pid)) {
      opts.log?.(`environment "${env}": taking over the lock left by ${describe(holder)}, which is no longer running`);
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new EnvironmentError(
        `environment "${env}" is locked by ${holder ? describe(holder) : 'another run'}; one deploy or decommission at a time`,
        `wait for it to finish (or pass --lock-timeout, e.g. 10m); a lock whose holder died is taken over automatically on the same host, otherwise remove ${file}`,
      );
    }
    if (!announced && holder) {
      opts.log?.(`environment "${env}": waiting for ${describe(holder)}`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  try {
    return await fn();
  } finally {
    if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  }
}

/** `10m`, `30s`, `1h`, `500ms` or plain seconds → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: "${text}" (e.g. 30s, 10m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}
