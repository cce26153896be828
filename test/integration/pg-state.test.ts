/**
 * The `pg` state backend on a real PostgreSQL (Debian's server, started by `kafka-tenancy local state-db up` on
 * 127.0.0.1:18432 with its own data folder) and a real throwaway Kafka cluster (18192/18193), driven through the
 * built CLI in child processes as a user runs it:
 *
 *   1. a fleet of two tenants deploys with its state in the database (one `states` row per stack, in the stack's
 *      own schema, holding the tenant's topics; no local state file); a re-deploy and a plan have nothing to do;
 *   2. two deploys of one stack at once: the second fails on Terraform's pg advisory lock at once, or, with
 *      `--lock-timeout`, waits for it; the state is intact afterwards and a third deploy has nothing to do. The
 *      two runs have different KAFKA_TENANCY_LOCAL_DIRs (each its own environment lock and synth folder), so the
 *      only thing that can keep them apart is the lock in the database;
 *   3. an unreachable database, or no connection string at all, stops deploy (and plan) before any terraform run
 *      with an error naming the backend and the variable; the state does not change, no secret is printed.
 *
 * Races are decided by signals, not sleeps: the first deploy's terraform is stopped (SIGSTOP) once pg_locks
 * shows it holding the stack's advisory lock (and still after the stop), the second one runs against it, and
 * the first is continued once the second has failed, or has been seen trying the lock (pg_stat_activity).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { down } from '../../src/local/cluster';
import { stateDb, stateDbQuery, type StateDb } from '../../src/local/state-db';
import type { Environment } from '../../src/model/environment';
import { localSecretsFile } from '../../src/secrets';
import { savedLocalDirs, startThrowawayCluster, suffix } from './support';

jest.setTimeout(900_000);

const REPO_ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');
// Below the ephemeral port range and apart from every other test's ports.
const CLIENT_PORT = 18192;
const CONTROLLER_PORT = 18193;
const DB_PORT = 18432;
const ENV = 'pgstate';
/** Every wait on a child process or the database is bounded by this (generous: 2 shared cores). */
const STEP_MS = 300_000;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-pg-state-'));
// As root, PostgreSQL runs as `postgres`, which must pass through the temp folder (mkdtemp makes it 0700).
fs.chmodSync(work, 0o755);
const root = path.join(work, 'project');
const localDir = path.join(work, '.local');
/** The second run's own `.local`: its own environment lock and synth folders, the same secrets. */
const otherLocalDir = path.join(work, '.local-other');
const stateDir = path.join(work, 'state');
const saved = savedLocalDirs();
const children = new Set<number>();
const stopped = new Set<number>();

let cluster: Environment | undefined;
let db: StateDb | undefined;
/** KAFKA_TENANCY_PG_CONN_STR and PGPASSFILE as `local state-db up` printed them. */
let dbEnv: Record<string, string> = {};

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
interface CliRun {
  readonly pid: number;
  readonly exited: () => boolean;
  readonly stderrMatch: (re: RegExp) => Promise<void>;
  readonly done: Promise<CliResult>;
}

/** The built CLI in a child process; `env` is added to (or, with undefined values, removed from) ours. */
function startCli(args: string[], env: Record<string, string | undefined> = {}): CliRun {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_TENANCY_LOCAL_DIR: localDir,
    KAFKA_TENANCY_STATE_DIR: stateDir,
    FORCE_COLOR: '0',
    ...dbEnv,
  };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!child.pid) throw new Error(`could not start kafka-tenancy ${args.join(' ')}`);
  const pid = child.pid;
  children.add(pid);
  let stdout = '';
  let stderr = '';
  let exited = false;
  const listeners = new Set<() => void>();
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
    listeners.forEach((l) => l());
  });
  // The deadline of the whole run: a hung CLI is killed and reported, never waited for forever.
  const timer = setTimeout(() => child.kill('SIGKILL'), STEP_MS);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      exited = true;
      children.delete(pid);
      listeners.forEach((l) => l());
      resolve({ status: code, stdout, stderr });
    });
  });
  const stderrMatch = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (re.test(stderr)) finish();
        else if (exited) finish(new Error(`kafka-tenancy ${args.join(' ')} ended before ${re} appeared:\n${stderr}`));
      };
      const t = setTimeout(() => finish(new Error(`no ${re} on stderr within ${STEP_MS} ms:\n${stderr}`)), STEP_MS);
      const finish = (err?: Error) => {
        clearTimeout(t);
        listeners.delete(check);
        if (err) reject(err);
        else resolve();
      };
      listeners.add(check);
      check();
    });
  return { pid, exited: () => exited, stderrMatch, done };
}

const tail = (text: string, lines = 40) => text.trim().split('\n').slice(-lines).join('\n');

function expectOk(what: string, res: CliResult): void {
  if (res.status !== 0)
    throw new Error(`${what} failed (exit ${res.status}):\n${tail(`${res.stdout}\n${res.stderr}`)}`);
}

interface DeployJson {
  readonly stacks: Array<{
    stack: string;
    outcome: string;
    changes: { added: number; changed: number; destroyed: number };
  }>;
}

async function deployJson(args: string[], env: Record<string, string | undefined> = {}): Promise<DeployJson> {
  const res = await startCli(['deploy', '--env', ENV, '--root', root, '--json', '--parallelism', '2', ...args], env)
    .done;
  expectOk(`deploy ${args.join(' ')}`, res);
  return JSON.parse(res.stdout) as DeployJson;
}

/** Poll (bounded) until `fn` returns a value. */
async function until<T>(what: string, fn: () => T | undefined, abort?: () => string | undefined): Promise<T> {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    const why = abort?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${STEP_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every live descendant of `pid` (from /proc), deepest last. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // the command name (2nd field) may hold spaces and parentheses: the ppid follows the last ")"
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

const pause = (pids: number[]) =>
  pids.forEach((p) => {
    try {
      process.kill(p, 'SIGSTOP');
      stopped.add(p);
    } catch {
      // gone
    }
  });
const resume = (pids: Iterable<number>) => {
  for (const p of [...pids]) {
    stopped.delete(p);
    try {
      process.kill(p, 'SIGCONT');
    } catch {
      // gone
    }
  }
};

const schemaOf = (stack: string) => `kafka_tenancy_${ENV}_${stack.replace(/-/g, '_')}`;

/** The state a stack keeps in the database: its row id (the advisory lock key) and its state JSON. */
function stateRow(
  stack: string,
):
  | { id: number; state: { resources?: Array<{ type: string; instances: Array<{ attributes: { name?: string } }> }> } }
  | undefined {
  const out = stateDbQuery(db!, `select id || ' ' || data from ${schemaOf(stack)}.states where name = 'default'`);
  if (!out) return undefined;
  const space = out.indexOf(' ');
  return { id: Number(out.slice(0, space)), state: JSON.parse(out.slice(space + 1)) };
}

const topicsInState = (stack: string) =>
  (stateRow(stack)?.state.resources ?? [])
    .filter((r) => r.type === 'kafka_topic')
    .flatMap((r) => r.instances.map((i) => i.attributes.name ?? ''))
    .sort();

/** Backend pids holding the advisory lock with this key (Terraform locks a stack by its row id). */
function lockHolders(key: number): number[] {
  const out = stateDbQuery(
    db!,
    `select pid from pg_locks where locktype = 'advisory' and granted and ((classid::bigint << 32) | objid::bigint) = ${key}`,
  );
  return out ? out.split('\n').map(Number) : [];
}

const tenantYaml = (id: string, topics: string[]) =>
  stringifyYaml({
    id,
    owner: 'team-pg',
    contact: 'pg@example.com',
    tier: 'topic-per-tenant',
    classification: 'internal',
    topics: topics.map((name) => ({ name, partitions: 1 })),
    applications: [{ name: 'app', produces: topics, consumes: topics, groups: ['app'] }],
  });

beforeAll(async () => {
  // PostgreSQL must be there: installed by scripts/ensure-postgres.sh (npm test runs it), or this fails loudly.
  const ensure = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'ensure-postgres.sh')], {
    encoding: 'utf8',
    timeout: STEP_MS,
  });
  if (ensure.status !== 0) {
    throw new Error(
      `PostgreSQL is not available for the pg state backend test (scripts/ensure-postgres.sh exit ${ensure.status ?? ensure.signal}):\n${ensure.stderr}`,
    );
  }
  process.env.KAFKA_TENANCY_PG_BIN = ensure.stdout.trim();

  cluster = await startThrowawayCluster(root, {
    name: ENV,
    clientPort: CLIENT_PORT,
    controllerPort: CONTROLLER_PORT,
    localDir,
    stateDir,
  });
  // The cluster came up with the local backend (`local reset` refuses any other); from here on, state is in pg.
  const file = path.join(root, 'environments', `${ENV}.yaml`);
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, stringifyYaml({ ...doc, state: { backend: 'pg' } }));

  const up = await startCli(['local', 'state-db', 'up', '--env', ENV, '--root', root, '--port', String(DB_PORT)]).done;
  expectOk('local state-db up', up);
  dbEnv = Object.fromEntries(
    up.stdout
      .split('\n')
      .map((l) => /^export ([A-Z_]+)='([^']*)'$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  db = stateDb(ENV);
  // The second run's `.local` holds the same secrets (admin password, state-db password), nothing else.
  fs.mkdirSync(path.join(otherLocalDir, 'secrets'), { recursive: true, mode: 0o700 });
  fs.copyFileSync(localSecretsFile(ENV), path.join(otherLocalDir, 'secrets', `${ENV}.json`));
});

afterAll(async () => {
  resume(stopped);
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  const cleanup: Array<() => Promise<unknown>> = [
    async () => {
      const res = spawnSync(process.execPath, [CLI, 'local', 'state-db', 'down', '--env', ENV, '--root', root], {
        env: { ...process.env, KAFKA_TENANCY_LOCAL_DIR: localDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (res.status !== 0) process.stderr.write(`state-db down: ${res.stderr}\n`);
    },
    async () => (cluster ? down(cluster) : undefined),
  ];
  for (const step of cleanup) await step().catch((err: unknown) => process.stderr.write(`cleanup: ${String(err)}\n`));
  saved.restore();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the pg state backend on a real PostgreSQL', () => {
  const sfx = suffix();
  const alpha = `pga${sfx}`;
  const beta = `pgb${sfx}`;

  it('deploys a fleet with its state in the database; a re-deploy and a plan have nothing to do', async () => {
    fs.writeFileSync(path.join(root, 'tenants', `${alpha}.yaml`), tenantYaml(alpha, ['orders', 'payments']));
    fs.writeFileSync(path.join(root, 'tenants', `${beta}.yaml`), tenantYaml(beta, ['events']));

    const first = await deployJson([]);
    expect(first.stacks.map((s) => [s.stack, s.outcome])).toEqual([
      ['platform', 'applied'],
      [alpha, 'applied'],
      [beta, 'applied'],
    ]);

    // one row per stack, in the stack's own schema, holding what was applied; nothing on disk
    expect(topicsInState(alpha)).toEqual([`${alpha}.orders`, `${alpha}.payments`]);
    expect(topicsInState(beta)).toEqual([`${beta}.events`]);
    expect(stateRow('platform')).toBeDefined();
    expect(fs.existsSync(stateDir) ? fs.readdirSync(stateDir).filter((f) => f.endsWith('.tfstate')) : []).toEqual([]);

    // --refresh: terraform really plans against the state it reads back from the database
    const again = await deployJson(['--refresh']);
    expect(again.stacks.map((s) => s.outcome)).toEqual(['no-changes', 'no-changes', 'no-changes']);

    // and the pull-request path plans against the same state: nothing to do
    const plan = await startCli(['plan', '--env', ENV, '--root', root, '--out', path.join(work, 'plans'), '--json'])
      .done;
    expectOk('plan', plan);
    expect((JSON.parse(plan.stdout) as { total: Record<string, number> }).total).toEqual({
      add: 0,
      change: 0,
      replace: 0,
      remove: 0,
    });
  });

  it("two deploys of one stack at once: the second fails on, or waits for, the database's lock; state stays intact", async () => {
    const before = stateRow(alpha)!;
    // the other .local gets the secrets as they are now: the first deploy made the operators' passwords
    fs.copyFileSync(localSecretsFile(ENV), path.join(otherLocalDir, 'secrets', `${ENV}.json`));
    const other = { KAFKA_TENANCY_LOCAL_DIR: otherLocalDir };

    /**
     * A deploy of `alpha` whose terraform is stopped while it holds alpha's advisory lock. Caught by polling
     * pg_locks; a run that lets go just before the stop is continued and, if it ends, started again (bounded).
     */
    const holdLock = async (): Promise<{ run: CliRun; frozen: number[]; holder: number[] }> => {
      for (let attempt = 1; attempt <= 20; attempt++) {
        const run = startCli(['deploy', alpha, '--env', ENV, '--root', root, '--refresh', '--json']);
        while (!run.exited()) {
          const held = await until('the first deploy holds the lock of its stack, or ends', () =>
            lockHolders(before.id).length ? true : run.exited() ? false : undefined,
          );
          if (!held) break;
          const frozen = descendants(run.pid);
          pause(frozen);
          // A stopped terraform cannot let go: if the lock is still held now, it stays held until SIGCONT.
          const holder = lockHolders(before.id);
          if (holder.length) return { run, frozen, holder };
          resume(frozen);
        }
        expectOk('a deploy that was to hold the lock', await run.done);
      }
      throw new Error('could not catch a deploy holding the lock in 20 runs');
    };

    /** Sessions opened after `since` (the first run is stopped: they are the second's) that tried the lock. */
    const lockTriers = (since: string): number[] => {
      const out = stateDbQuery(
        db!,
        `select pid from pg_stat_activity where backend_start > '${since}' and pid <> pg_backend_pid() ` +
          `and (query like '%pg_try_advisory_lock%' or query like '%pg_advisory_unlock%')`,
      );
      return out ? out.split('\n').map(Number) : [];
    };

    // (a) no lock timeout: the second run fails at once, naming the lock; nothing of it ran past the lock
    {
      const { run, frozen, holder } = await holdLock();
      const second = await startCli(['deploy', alpha, '--env', ENV, '--root', root, '--refresh'], other).done;
      expect(second.status).toBe(1);
      expect(second.stderr).toMatch(/Error acquiring the state lock/);
      expect(second.stderr).toMatch(/Workspace is already locked/);
      expect(second.stderr).toContain(`another run holds the state lock of stack "${alpha}"`);
      expect(lockHolders(before.id)).toEqual(holder); // still the first run's
      resume(frozen);
      expectOk('the first deploy', await run.done);
    }

    // (b) with --lock-timeout: the second run waits for the lock, then finishes
    {
      const { run, frozen, holder } = await holdLock();
      const since = stateDbQuery(db!, 'select now()');
      const second = startCli(
        ['deploy', alpha, '--env', ENV, '--root', root, '--refresh', '--json', '--lock-timeout', '5m'],
        other,
      );
      // It is trying the lock (and cannot have it: the holder is stopped) ...
      await until(
        'the second deploy tries the lock',
        () => (lockTriers(since).length ? true : undefined),
        () => (second.exited() ? 'it ended first' : undefined),
      );
      expect(lockHolders(before.id)).toEqual(holder);
      expect(second.exited()).toBe(false);
      // ... and gets it once the first run goes on and lets go.
      resume(frozen);
      expectOk('the first deploy', await run.done);
      const res = await second.done;
      expectOk('the waiting deploy', res);
      expect((JSON.parse(res.stdout) as DeployJson).stacks.map((s) => [s.stack, s.outcome])).toEqual([
        [alpha, 'no-changes'],
      ]);
    }

    // the state is intact, and a third deploy of everything has nothing to do
    const after = stateRow(alpha)!;
    expect(after.id).toBe(before.id);
    expect(topicsInState(alpha)).toEqual([`${alpha}.orders`, `${alpha}.payments`]);
    expect(lockHolders(before.id)).toEqual([]);
    const third = await deployJson(['--refresh']);
    expect(third.stacks.map((s) => s.outcome)).toEqual(['no-changes', 'no-changes', 'no-changes']);
  });

  it('an unreachable database or a missing connection string stops deploy and plan before terraform, naming both', async () => {
    const snapshot = () => ['platform', alpha, beta].map((s) => JSON.stringify(stateRow(s)));
    const before = snapshot();
    // a loopback port nobody listens on: bound and released just now
    const closedPort = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const conn = `postgres://kafka_tenancy@127.0.0.1:${closedPort}/postgres?sslmode=disable`;
    const unreachable = await startCli(['deploy', '--env', ENV, '--root', root, '--refresh'], {
      KAFKA_TENANCY_PG_CONN_STR: conn,
    }).done;
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain(`state backend pg (environment "${ENV}")`);
    expect(unreachable.stderr).toContain(
      `the database at 127.0.0.1:${closedPort} from KAFKA_TENANCY_PG_CONN_STR does not answer`,
    );
    expect(unreachable.stderr).toContain('nothing was changed');
    expect(unreachable.stderr).not.toMatch(/\] (init|plan|apply)\b/); // no terraform ran

    const unreachablePlan = await startCli(['plan', '--env', ENV, '--root', root, '--out', path.join(work, 'plans')], {
      KAFKA_TENANCY_PG_CONN_STR: conn,
    }).done;
    expect(unreachablePlan.status).toBe(1);
    expect(unreachablePlan.stderr).toContain(
      `the database at 127.0.0.1:${closedPort} from KAFKA_TENANCY_PG_CONN_STR does not answer`,
    );

    const missing = await startCli(['deploy', '--env', ENV, '--root', root], { KAFKA_TENANCY_PG_CONN_STR: undefined })
      .done;
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`state backend pg (environment "${ENV}"): KAFKA_TENANCY_PG_CONN_STR is not set`);

    expect(snapshot()).toEqual(before);
    // and nothing secret in either message: the connection string has no password, the password file is not read
    const password = (JSON.parse(fs.readFileSync(localSecretsFile(ENV), 'utf8')) as Record<string, string>)[
      'state-db/owner'
    ];
    expect(password).toBeTruthy();
    expect(unreachable.stderr + missing.stderr).not.toContain(password);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(password);
  });
});
