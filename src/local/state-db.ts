/**
 * A throwaway PostgreSQL for the `pg` state backend, like the local clusters: Debian's server binaries
 * (scripts/ensure-postgres.sh), its own data folder under `.local/state-db/<env>/`, listening on 127.0.0.1 only,
 * password (SCRAM) authentication with the password from the environment's secret source. The password is never
 * on a command line or in a log: initdb reads it from a private file that is removed afterwards, clients
 * (psql, terraform's lib/pq) from a 0600 pgpass file (PGPASSFILE), so the connection string carries none.
 *
 * PostgreSQL refuses to run as root (initdb, postgres and pg_ctl all check), so as root the server runs as the
 * `postgres` user the Debian package creates (`setpriv`, which execs: the pid we start is the postmaster's), and
 * its folder is owned by that user. `down` stops only a process whose pid file and command line are ours.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';
import type { Environment } from '../model/environment';
import { localDir } from '../paths';
import { secretNames, secretSourceFor } from '../secrets';

export const DEFAULT_STATE_DB_PORT = 15432;
/** The role terraform logs in as (initdb's superuser: the instance is this environment's alone). */
export const STATE_DB_USER = 'kafka_tenancy';
export const STATE_DB_DATABASE = 'postgres';
/** The user the server runs as when we are root. */
const SERVER_USER = 'postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
/** Deadline of each psql / initdb call. */
const TOOL_TIMEOUT_MS = 60_000;

export interface StateDb {
  readonly env: string;
  readonly port: number;
  readonly dir: string;
  /** Owned by the server's user: data folder only. */
  readonly dataDir: string;
  readonly logFile: string;
  readonly pidFile: string;
  readonly pgpassFile: string;
  /** What `up` started with (port), so `status` and `down` need no options. */
  readonly instanceFile: string;
}

export function stateDb(env: Environment | string, port?: number): StateDb {
  const name = typeof env === 'string' ? env : env.name;
  const dir = path.join(localDir(), 'state-db', name);
  const instanceFile = path.join(dir, 'instance.json');
  const recorded = readInstance(instanceFile)?.port;
  return {
    env: name,
    port: port ?? recorded ?? DEFAULT_STATE_DB_PORT,
    dir,
    dataDir: path.join(dir, 'data'),
    logFile: path.join(dir, 'postgres.log'),
    pidFile: path.join(dir, 'postgres.pid'),
    pgpassFile: path.join(dir, 'pgpass'),
    instanceFile,
  };
}

function readInstance(file: string): { port: number } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { port: number };
  } catch {
    return undefined;
  }
}

/** The connection string terraform gets (no password: that is in the pgpass file). */
export function connectionString(db: StateDb): string {
  return `postgres://${STATE_DB_USER}@127.0.0.1:${db.port}/${STATE_DB_DATABASE}?sslmode=disable`;
}

/**
 * Variables that point terraform (and psql) at this instance: the environment's connection-string variable
 * and PGPASSFILE. Neither is a secret.
 */
export function connectionEnv(env: Environment, db: StateDb): Record<string, string> {
  const name = env.state.backend === 'pg' ? env.state.connStrEnv : 'KAFKA_TENANCY_PG_CONN_STR';
  return { [name]: connectionString(db), PGPASSFILE: db.pgpassFile };
}

/** Debian keeps the server binaries off PATH: `KAFKA_TENANCY_PG_BIN`, else the newest /usr/lib/postgresql/<N>/bin. */
export function postgresBin(): string {
  const override = process.env.KAFKA_TENANCY_PG_BIN;
  const candidates = override
    ? [override]
    : fs.existsSync('/usr/lib/postgresql')
      ? fs
          .readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => path.join('/usr/lib/postgresql', v, 'bin'))
      : [];
  const found = candidates.find(
    (d) => fs.existsSync(path.join(d, 'postgres')) && fs.existsSync(path.join(d, 'initdb')),
  );
  if (!found) {
    throw new EnvironmentError(
      override
        ? `KAFKA_TENANCY_PG_BIN=${override} has no postgres and initdb`
        : 'the PostgreSQL server is not installed (no /usr/lib/postgresql/<N>/bin/postgres)',
      'bash scripts/ensure-postgres.sh installs it (Debian: apt-get install postgresql)',
    );
  }
  return found;
}

const isRoot = () => process.getuid?.() === 0;

/** Run a server binary as the server's user when we are root (PostgreSQL refuses root). */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  return isRoot()
    ? ['setpriv', ['--reuid', SERVER_USER, '--regid', SERVER_USER, '--init-groups', '--', bin, ...args]]
    : [bin, args];
}

function serverIds(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const res = spawnSync('id', ['-u', SERVER_USER], { encoding: 'utf8', timeout: 5000 });
  const gid = spawnSync('id', ['-g', SERVER_USER], { encoding: 'utf8', timeout: 5000 });
  if (res.status !== 0 || gid.status !== 0) {
    throw new EnvironmentError(
      `running as root, but there is no "${SERVER_USER}" user to run PostgreSQL as (it refuses to run as root)`,
      "install Debian's postgresql package (it creates the user): bash scripts/ensure-postgres.sh",
    );
  }
  return { uid: Number(res.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid from our pid file if that process lives and is the postmaster of our data folder. */
function ourPid(db: StateDb): number | undefined {
  if (!fs.existsSync(db.pidFile)) return undefined;
  const pid = Number(fs.readFileSync(db.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(db.dataDir) && cmdline.some((a) => a.endsWith('/postgres')) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export function logTail(db: StateDb, lines = 30): string {
  if (!fs.existsSync(db.logFile)) return '(no server log yet)';
  return fs.readFileSync(db.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** libpq's pgpass line: `host:port:database:user:password`, with `:` and `\` escaped. */
function pgpassLine(db: StateDb, password: string): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return `127.0.0.1:${db.port}:*:${STATE_DB_USER}:${esc(password)}\n`;
}

/** A fresh file of `mode`, renamed into place (an existing file keeps neither its mode nor a window of content). */
function writePrivate(file: string, text: string, owner?: { uid: number; gid: number }): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
  if (owner) fs.chownSync(tmp, owner.uid, owner.gid);
  fs.renameSync(tmp, file);
}

function failure(what: string, res: SpawnSyncReturns<string>): string {
  if (res.error) return `${what}: ${res.error.message}`;
  const out = `${res.stdout ?? ''}\n${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  return `${what} failed (exit ${res.status ?? res.signal}):\n${out}`;
}

/**
 * As root, the server's user must pass through every folder above its data (search permission for "others"),
 * or initdb fails with a bare "Permission denied". Say which folder instead.
 */
function refuseUnreachable(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    if ((st.mode & 0o001) === 0) {
      throw new EnvironmentError(
        `the state database runs as user ${SERVER_USER} (PostgreSQL refuses root), which cannot pass through ${d} (mode ${(st.mode & 0o777).toString(8)})`,
        `chmod o+x ${d}, or point KAFKA_TENANCY_LOCAL_DIR at a folder ${SERVER_USER} can reach`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

function initdb(db: StateDb, bin: string, password: string, log: (m: string) => void): void {
  if (fs.existsSync(path.join(db.dataDir, 'PG_VERSION'))) return;
  if (fs.existsSync(db.dataDir) && fs.readdirSync(db.dataDir).length > 0) {
    throw new EnvironmentError(
      `state database of "${db.env}": ${db.dataDir} is not empty but holds no database (an interrupted start?)`,
      `kafka-tenancy local state-db reset --env ${db.env} wipes it`,
    );
  }
  const owner = serverIds();
  if (owner) refuseUnreachable(db.dir);
  fs.mkdirSync(db.dataDir, { recursive: true, mode: 0o700 });
  if (owner) fs.chownSync(db.dataDir, owner.uid, owner.gid);
  // initdb reads the password from a file: never on its command line. The server's user must read it.
  const pwFile = path.join(db.dir, 'initdb.pw');
  writePrivate(pwFile, password, owner);
  log(
    `state database of "${db.env}": initdb ${db.dataDir}${owner ? ` (as user ${SERVER_USER}: PostgreSQL refuses root)` : ''}`,
  );
  let res: SpawnSyncReturns<string>;
  try {
    const [cmd, args] = asServerUser(path.join(bin, 'initdb'), [
      '-D',
      db.dataDir,
      '-U',
      STATE_DB_USER,
      '--auth=scram-sha-256',
      `--pwfile=${pwFile}`,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-instructions',
    ]);
    res = spawnSync(cmd, args, { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
  if (res.status !== 0) {
    fs.rmSync(db.dataDir, { recursive: true, force: true });
    throw new EnvironmentError(`state database of "${db.env}": ${failure('initdb', res)}`);
  }
}

/** `select 1` as the state user over TCP, password from the pgpass file: the answer, or why not. */
function query(db: StateDb, bin: string, sql: string, timeoutMs = 10_000): { ok: boolean; out: string } {
  const res = spawnSync(
    path.join(bin, 'psql'),
    [
      '-X',
      '-q',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      '127.0.0.1',
      '-p',
      String(db.port),
      '-U',
      STATE_DB_USER,
      '-d',
      STATE_DB_DATABASE,
      '-c',
      sql,
    ],
    {
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, PGPASSFILE: db.pgpassFile, PGCONNECT_TIMEOUT: '5', PGSSLMODE: 'disable' },
    },
  );
  return res.status === 0 ? { ok: true, out: res.stdout.trim() } : { ok: false, out: failure('psql', res) };
}

/** psql against the state database (for tests and `status`); throws with psql's message. */
export function stateDbQuery(db: StateDb, sql: string): string {
  const res = query(db, postgresBin(), sql);
  if (!res.ok) throw new EnvironmentError(`state database of "${db.env}": ${res.out}`);
  return res.out;
}

async function waitReady(db: StateDb, bin: string, pid: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  let delay = 100;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      throw new EnvironmentError(
        `state database of "${db.env}" exited during start-up. Log tail:\n${logTail(db)}`,
        `fix the cause above, or kafka-tenancy local state-db reset --env ${db.env}`,
      );
    }
    const res = query(db, bin, 'select 1');
    if (res.ok && res.out === '1') return;
    last = res.out;
    // Wrong password: the data folder was made with another secret; waiting will not help.
    if (/password authentication failed/.test(last)) {
      throw new EnvironmentError(
        `state database of "${db.env}" refuses the password of the secret source (${secretNames.stateDb()})`,
        `it was initialized with another one: kafka-tenancy local state-db reset --env ${db.env}`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
  throw new EnvironmentError(
    `state database of "${db.env}" did not answer select 1 within ${READY_TIMEOUT_MS / 1000} s: ${last}\nLog tail:\n${logTail(db)}`,
  );
}

export interface StateDbStatus {
  readonly env: string;
  readonly state: 'running' | 'stopped' | 'stale-pid';
  readonly pid?: number;
  readonly ready: boolean;
  readonly address: string;
  readonly dataDir: string;
  readonly logFile: string;
}

export interface StateDbUpOptions {
  readonly port?: number;
  readonly log?: (m: string) => void;
}

/** Start the environment's state database (idempotent: a running one is left alone) and wait for `select 1`. */
export async function stateDbUp(env: Environment, opts: StateDbUpOptions = {}): Promise<StateDbStatus> {
  const log = opts.log ?? (() => undefined);
  const bin = postgresBin();
  const db = stateDb(env, opts.port);
  const running = ourPid(db);
  if (running) {
    if (opts.port !== undefined && readInstance(db.instanceFile)?.port !== opts.port) {
      throw new EnvironmentError(
        `state database of "${env.name}" already runs on port ${readInstance(db.instanceFile)?.port}, not ${opts.port}`,
        `kafka-tenancy local state-db down --env ${env.name} first`,
      );
    }
    log(`state database of "${env.name}" already running (pid ${running})`);
    await waitReady(db, bin, running);
    return stateDbStatus(env);
  }
  if (fs.existsSync(db.pidFile)) fs.rmSync(db.pidFile);
  if (!(await portFree(db.port))) {
    throw new EnvironmentError(
      `state database of "${env.name}": port 127.0.0.1:${db.port} is already in use by another process`,
      'stop that process or pick another port (--port)',
    );
  }
  // Root: the server's user must reach its data folder through ours (x on every parent, as .local is).
  fs.mkdirSync(db.dir, { recursive: true, mode: 0o755 });
  writePrivate(db.instanceFile, JSON.stringify({ port: db.port }) + '\n');
  const password = await secretSourceFor(env).getOrCreate(secretNames.stateDb());
  writePrivate(db.pgpassFile, pgpassLine(db, password));
  initdb(db, bin, password, log);
  const out = fs.openSync(db.logFile, 'a');
  const [cmd, args] = asServerUser(path.join(bin, 'postgres'), [
    '-D',
    db.dataDir,
    '-p',
    String(db.port),
    '-c',
    'listen_addresses=127.0.0.1',
    // no Unix socket: nothing in /var/run/postgresql, and every client comes through the password-checked TCP port
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=50',
    '-c',
    'shared_buffers=32MB',
    '-c',
    'fsync=off', // throwaway data: the harness never needs crash safety
  ]);
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  fs.closeSync(out);
  if (!child.pid) throw new EnvironmentError(`could not start postgres for the state database of "${env.name}"`);
  fs.writeFileSync(db.pidFile, String(child.pid));
  log(`state database of "${env.name}" starting on 127.0.0.1:${db.port} (pid ${child.pid}, log ${db.logFile})`);
  await waitReady(db, bin, child.pid);
  return stateDbStatus(env);
}

/** Stop the server `up` started (pid file + command line); nothing else is touched. Fast shutdown, bounded. */
export async function stateDbDown(env: Environment, log: (m: string) => void = () => undefined): Promise<void> {
  const db = stateDb(env);
  const pid = ourPid(db);
  if (!pid) {
    fs.rmSync(db.pidFile, { force: true });
    return;
  }
  log(`stopping the state database of "${env.name}" (pid ${pid})`);
  process.kill(pid, 'SIGINT'); // PostgreSQL's fast shutdown: ends sessions, checkpoints, exits
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    log(`state database of "${env.name}" did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
    process.kill(pid, 'SIGKILL');
    const killDeadline = Date.now() + 5000;
    while (isAlive(pid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(db.pidFile, { force: true });
}

/** Stop and wipe the environment's state database: every stack's state in it is gone. */
export async function stateDbReset(env: Environment, log: (m: string) => void = () => undefined): Promise<void> {
  await stateDbDown(env, log);
  const db = stateDb(env);
  if (fs.existsSync(db.dir)) {
    log(`wiping the state database of "${env.name}" (${db.dir})`);
    fs.rmSync(db.dir, { recursive: true, force: true });
  }
}

export async function stateDbStatus(env: Environment): Promise<StateDbStatus> {
  const db = stateDb(env);
  const pid = ourPid(db);
  return {
    env: env.name,
    state: pid ? 'running' : fs.existsSync(db.pidFile) ? 'stale-pid' : 'stopped',
    pid,
    ready: pid ? query(db, postgresBin(), 'select 1', 8000).ok : false,
    address: `127.0.0.1:${db.port}`,
    dataDir: db.dataDir,
    logFile: db.logFile,
  };
}
