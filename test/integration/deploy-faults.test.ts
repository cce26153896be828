/**
 * `kafka-tenancy deploy` under faults, as a user runs it (the built CLI in child processes, real brokers, real
 * terraform):
 *
 *   1. two deploys of one environment at once: one runs, the other fails at once naming the holder — or, with
 *      `--lock-timeout`, waits for it; the state stays intact and a third deploy has nothing to do;
 *   2. a lock left by a run that died is taken over with a note;
 *   3. a frozen broker (SIGSTOP) fails the deploy in its preflight, naming the cluster; terraform's own deadline
 *      stops terraform and its provider when nothing answers, and leaves no process behind;
 *   4. no secret is on any command line while deploy runs (`ps` sampled every 50 ms).
 *
 * The temp project has its own `.local` (KAFKA_TENANCY_LOCAL_DIR: locks, private synth folders, secrets) and state
 * folder, so it never contends with the main checkout's lock or state. Its secrets file starts with the admin
 * passwords of the main local clusters (cases 1, 2, 4 deploy to the shared cluster); tenant ids have a random
 * suffix and their topics and ACLs are deleted afterwards (SCRAM users stay: deleting them can trigger the Kafka
 * ScramDelta bug). Case 3 runs on a throwaway single-broker cluster of its own (ports 17392/17393), continued and
 * stopped in `afterAll` whatever happens.
 *
 * Races are decided by signals, not sleeps: the first deploy is stopped (SIGSTOP) as soon as its lock file names
 * it, and continued once the second one has said what it does about the lock.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { stringify as stringifyYaml } from 'yaml';
import { envLockFile, type LockHolder } from '../../src/pipeline/env-lock';
import { readyToolchain, StackRunner } from '../../src/terraform/runner';
import { EnvironmentError } from '../../src/errors';
import { down, reset, status, up } from '../../src/local/cluster';
import { loadModel } from '../../src/model';
import { loadEnvironment, type Environment } from '../../src/model/environment';
import { localSecretsFile, secretNames, secretSourceFor, type SecretSource } from '../../src/secrets';
import { synthesize } from '../../src/stacks/synth';
import {
  answersAgain,
  type LocalPlatform,
  requireLocalPlatform,
  savedLocalDirs,
  suffix,
  writeThrowawayEnvironment,
  ensurePlatformDeployed,
} from './support';

jest.setTimeout(900_000);

const REPO_ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');
const pexecFile = promisify(execFile);

// Below the ephemeral port range, and apart from every other test cluster (scram-restart 17192/3, verify-frozen 17292/3).
const FROZEN_CLIENT_PORT = 17392;
const FROZEN_CONTROLLER_PORT = 17393;
const FROZEN_ENV = 'deployfaults';
const FROZEN_CLUSTER = 'icebox';
/**
 * How long a deploy against a frozen broker may take to exit before the test calls it hung: generous (the issue's
 * target is 60 s, the preflight deadline 20 s), the only clock on that run.
 */
const EXIT_BOUND_MS = 180_000;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-deploy-faults-'));
const localDir = path.join(work, '.local');
const saved = savedLocalDirs();
/** Children still running and processes we stopped, so that afterAll can always continue / end them. */
const children = new Set<number>();
const stopped = new Set<number>();

interface CliRun {
  readonly pid: number;
  readonly stderr: () => string;
  /** Resolves when stderr matches (bounded), rejects if the process ends first. */
  readonly stderrMatch: (re: RegExp, timeoutMs: number) => Promise<void>;
  readonly done: Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>;
}

/** The built CLI in a child process with the temp `.local` and the given state folder. */
function startCli(args: string[], stateDir: string, cwd: string): CliRun {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, KAFKA_TENANCY_LOCAL_DIR: localDir, KAFKA_TENANCY_STATE_DIR: stateDir, FORCE_COLOR: '0' },
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
  const done = new Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    child.on('close', (code) => {
      exited = true;
      children.delete(pid);
      listeners.forEach((l) => l());
      resolve({ status: code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
  const stderrMatch = (re: RegExp, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no ${re} on stderr within ${timeoutMs} ms:\n${stderr}`)),
        timeoutMs,
      );
      const finish = (err?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (re.test(stderr)) finish();
        else if (exited) finish(new Error(`kafka-tenancy ${args.join(' ')} ended before ${re} appeared:\n${stderr}`));
      };
      listeners.add(check);
      check();
    });
  return { pid, stderr: () => stderr, stderrMatch, done };
}

const tail = (text: string, lines = 40) => text.trim().split('\n').slice(-lines).join('\n');

/** Fail with the run's output unless it exited 0. */
function expectOk(what: string, res: { status: number | null; stdout: string; stderr: string }): void {
  if (res.status !== 0)
    throw new Error(`${what} failed (exit ${res.status}):\n${tail(`${res.stdout}\n${res.stderr}`)}`);
}

/** Poll (bounded) until `fn` returns a value; fails early when `abort` says why. */
async function until<T>(
  what: string,
  fn: () => T | undefined,
  timeoutMs: number,
  abort?: () => string | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    const why = abort?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

const pause = (pid: number) => {
  stopped.add(pid);
  process.kill(pid, 'SIGSTOP');
};
const resume = (pid: number) => {
  stopped.delete(pid);
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // already gone
  }
};

const tenantYaml = (id: string, topics: string[]) =>
  stringifyYaml({
    id,
    owner: 'team-faults',
    contact: 'faults@example.com',
    tier: 'topic-per-tenant',
    classification: 'internal',
    topics: topics.map((name) => ({ name, partitions: 1 })),
    applications: [{ name: 'app', produces: topics, consumes: topics, groups: ['app'] }],
  });

afterAll(() => {
  for (const pid of stopped) resume(pid);
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  saved.restore();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('deploy on the shared local cluster: environment lock and secrets', () => {
  const sfx = suffix();
  const lockId = `dl${sfx}`; // cases 1 and 2
  const psId = `ds${sfx}`; // case 4: a fresh tenant
  const root = path.join(work, 'project');
  const stateDir = path.join(work, 'state-local');
  const lockFile = path.join(localDir, 'locks', 'local.lock');
  let platform: LocalPlatform;

  const writeTenant = (id: string, topics: string[]) =>
    fs.writeFileSync(path.join(root, 'tenants', `${id}.yaml`), tenantYaml(id, topics));
  const deploy = (id: string, ...extra: string[]) => startCli(['deploy', id, '--root', root, ...extra], stateDir, root);
  /** The outcome column of a deploy's table for one stack. */
  const outcome = (stdout: string, stack: string) =>
    new RegExp(`^\\W*${stack}\\W+(applied|no-changes|unchanged \\(skipped\\))`, 'm').exec(stdout)?.[1];

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    // the platform stack makes the operators (deployer, planner) that tenant deploys and plans log in as
    await ensurePlatformDeployed(platform);
    expect(fs.existsSync(CLI)).toBe(true); // npm test builds before the tests run
    // The temp .local starts with the admin passwords (and CA bundles, SASL_SSL clusters) of the main local
    // clusters, nothing else.
    const mainSecrets = localSecretsFile('local');
    const admins = Object.fromEntries(
      Object.keys(platform.env.clusters).map((c) => [secretNames.admin(c), platform.secrets.get(secretNames.admin(c))]),
    );
    expect(Object.values(admins).every(Boolean)).toBe(true);
    // and the operators' (the deployer applies tenant stacks; the platform stack made it with this password)
    for (const op of ['platform-deployer', 'platform-planner'])
      admins[secretNames.scram(op)] = platform.secrets.get(secretNames.scram(op));
    for (const [c, config] of Object.entries(platform.env.clusters)) {
      if (config.security.protocol === 'SASL_SSL')
        admins[secretNames.tlsCa(c)] = platform.secrets.get(secretNames.tlsCa(c));
    }
    fs.mkdirSync(path.join(localDir, 'secrets'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(localDir, 'secrets', 'local.json'), JSON.stringify(admins, null, 2) + '\n', {
      mode: 0o600,
    });
    expect(path.join(localDir, 'secrets', 'local.json')).not.toBe(mainSecrets);
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
    writeTenant(lockId, ['orders']);
    writeTenant(psId, ['events']);
  });

  afterAll(async () => {
    if (!platform) return;
    const model = loadModel({ env: 'local', root });
    const principals = model.tenants.flatMap((t) => t.principals.map((p) => p.username));
    const a = platform.admin('shared');
    await a.connect();
    try {
      for (const principal of principals) {
        await a.deleteAcls({
          filters: [
            {
              resourceType: AclResourceTypes.ANY,
              resourcePatternType: ResourcePatternTypes.ANY,
              principal: `User:${principal}`,
              host: '*',
              operation: AclOperationTypes.ANY,
              permissionType: AclPermissionTypes.ANY,
            },
          ],
        });
      }
      const topics = (await a.listTopics()).filter((t) => t.startsWith(`${lockId}.`) || t.startsWith(`${psId}.`));
      if (topics.length) await a.deleteTopics({ topics });
    } finally {
      await a.disconnect();
    }
  });

  it('two deploys at once: one runs, the other fails at once naming the holder; with --lock-timeout it waits', async () => {
    // Round 1, no --lock-timeout. A is stopped while it holds the lock, so B meets it for sure.
    const a1 = deploy(lockId);
    const holder = await until(
      'deploy A takes the lock',
      () => (readHolder(lockFile)?.pid === a1.pid ? readHolder(lockFile) : undefined),
      180_000,
      () => (children.has(a1.pid) ? undefined : `it ended first:\n${a1.stderr()}`),
    );
    pause(a1.pid);
    const b1 = await deploy(lockId).done;
    resume(a1.pid);
    const a1res = await a1.done;
    expectOk('deploy A', a1res);
    expect(outcome(a1res.stdout, lockId)).toBe('applied');
    expect(b1.status).not.toBe(0);
    expect(b1.stderr).toContain(`environment "local" is locked by pid ${a1.pid} on ${holder.host}`);
    expect(b1.stderr).toContain(`kafka-tenancy deploy ${lockId}`);
    console.log(
      `round 1: A ${(a1res.ms / 1000).toFixed(1)} s; B refused in ${(b1.ms / 1000).toFixed(1)} s:\n${tail(b1.stderr, 3)}`,
    );

    // Round 2, both with --lock-timeout 2m, and a change for A to apply while B waits.
    writeTenant(lockId, ['orders', 'audit']);
    const a2 = deploy(lockId, '--lock-timeout', '2m');
    await until(
      'deploy A takes the lock',
      () => (readHolder(lockFile)?.pid === a2.pid ? true : undefined),
      180_000,
      () => (children.has(a2.pid) ? undefined : `it ended first:\n${a2.stderr()}`),
    );
    pause(a2.pid);
    // --refresh: B really plans after A (instead of skipping a stack whose applied hash A just recorded).
    const b2 = deploy(lockId, '--lock-timeout', '2m', '--refresh');
    await b2.stderrMatch(new RegExp(`waiting for pid ${a2.pid} `), 120_000);
    const waitingAt = Date.now();
    const aExitAt = a2.done.then(() => Date.now());
    resume(a2.pid);
    const [a2res, b2res] = await Promise.all([a2.done, b2.done]);
    const lockWaitMs = (await aExitAt) - waitingAt; // B waits at least this long: A holds the lock until it exits
    expectOk('deploy A (--lock-timeout)', a2res);
    expectOk('deploy B (--lock-timeout)', b2res);
    expect(outcome(a2res.stdout, lockId)).toBe('applied');
    expect(outcome(b2res.stdout, lockId)).toBe('no-changes');
    console.log(
      `round 2: B waited for the lock ${(lockWaitMs / 1000).toFixed(1)} s (from saying so to A's exit; A was ` +
        `continued when B said it waits); A ${(a2res.ms / 1000).toFixed(1)} s, B ${(b2res.ms / 1000).toFixed(1)} s in all`,
    );

    // Afterwards: nothing to do, the state parses and holds both topics, no lock and no synth folder left.
    const c = await deploy(lockId).done;
    expectOk('deploy C', c);
    expect(outcome(c.stdout, lockId)).toBe('unchanged (skipped)'); // same synthesized hash as the last apply
    const state = JSON.parse(fs.readFileSync(path.join(stateDir, `${lockId}.tfstate`), 'utf8')) as {
      resources: Array<{ type: string; instances: Array<{ attributes: { name?: string } }> }>;
    };
    expect(
      state.resources
        .filter((r) => r.type === 'kafka_topic')
        .flatMap((r) => r.instances.map((i) => i.attributes.name))
        .sort(),
    ).toEqual([`${lockId}.audit`, `${lockId}.orders`]);
    expect(fs.existsSync(lockFile)).toBe(false);
    expect(fs.readdirSync(path.join(localDir, 'runs'))).toEqual([]);
  });

  it('takes over a lock whose holder died, with a note', async () => {
    const dead = spawnSync('true');
    expect(dead.status).toBe(0);
    const stale: LockHolder = {
      pid: dead.pid!,
      host: os.hostname(),
      command: 'deploy (a run that died)',
      startedAt: new Date(Date.now() - 3_600_000).toISOString(),
    };
    expect(envLockFile('local', path.join(localDir, 'locks'))).toBe(lockFile);
    fs.mkdirSync(path.dirname(lockFile), { recursive: true });
    fs.writeFileSync(lockFile, JSON.stringify(stale) + '\n');
    const res = await deploy(lockId, '--refresh').done;
    expectOk('deploy over a stale lock', res);
    expect(res.stderr).toContain(`taking over the lock left by pid ${stale.pid} on ${stale.host}`);
    expect(res.stderr).toContain('no longer running');
    expect(outcome(res.stdout, lockId)).toBe('no-changes');
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('puts no secret on any command line while it deploys a new tenant', async () => {
    const run = deploy(psId);
    const bin = platform.cli.bin;
    const samples: string[][] = [];
    /** Terraform (and provider) command lines seen working in this run's private synth folder. */
    const ours = new Set<string>();
    let running = true;
    void run.done.then(() => (running = false));
    const deadline = Date.now() + 600_000;
    while (running && Date.now() < deadline) {
      const { stdout } = await pexecFile('ps', ['-eww', '-o', 'pid=,args='], { maxBuffer: 64 * 1024 * 1024 });
      const lines = stdout.split('\n').map((l) => l.trim());
      samples.push(lines.map((l) => l.replace(/^\d+\s+/, '')));
      for (const l of lines.filter((x) => x.includes(bin) || x.includes('terraform-provider-'))) {
        try {
          if (fs.readlinkSync(`/proc/${l.split(/\s/)[0]}/cwd`).startsWith(fs.realpathSync(localDir))) ours.add(l);
        } catch {
          // ended meanwhile
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await run.done;
    expectOk('deploy of a new tenant', res);
    expect(outcome(res.stdout, psId)).toBe('applied');

    const file = JSON.parse(fs.readFileSync(path.join(localDir, 'secrets', 'local.json'), 'utf8')) as Record<
      string,
      string
    >;
    const tenant = loadModel({ env: 'local', root }).tenants.find((t) => t.id === psId)!;
    const secrets = [secretNames.admin('shared'), ...tenant.principals.map((p) => p.secretName)].map((n) => {
      const v = file[n];
      if (!v || v.length < 16) throw new Error(`secret ${n} is missing or too short in the temp secrets file`);
      return v;
    });
    expect(secrets.length).toBeGreaterThanOrEqual(2);
    const lines = samples.flat();
    console.log(
      `ps sampled ${samples.length} times during a ${(res.ms / 1000).toFixed(1)} s deploy; ${ours.size} distinct ` +
        `terraform/provider command line(s) of this run:\n  ${[...ours].join('\n  ')}`,
    );
    expect(samples.length).toBeGreaterThan(10);
    expect([...ours].some((l) => l.includes(`${bin} `))).toBe(true);
    expect(lines.filter((l) => secrets.some((s) => l.includes(s)))).toEqual([]);
  });
});

describe('deploy with a frozen broker (throwaway cluster)', () => {
  const id = `dz${suffix()}`;
  const root = path.join(work, 'frozen-project');
  const stateDir = path.join(work, 'state-frozen');
  const brokers = [`127.0.0.1:${FROZEN_CLIENT_PORT}`];
  let env: Environment | undefined;
  let secrets: SecretSource;
  /** Pid of the broker while it is stopped, so it is always continued. */
  let frozen: number | undefined;

  const brokerPid = async (): Promise<number> => {
    const [st] = await status(env!);
    if (!st?.pid) throw new Error(`the ${FROZEN_ENV} broker is not running: ${JSON.stringify(st)}`);
    return st.pid;
  };
  const freeze = (pid: number) => {
    frozen = pid;
    pause(pid);
  };
  const thaw = () => {
    if (frozen !== undefined) resume(frozen);
    frozen = undefined;
  };
  const answering = () => answersAgain(env!, secrets);
  const deploy = (...extra: string[]) =>
    startCli(['deploy', id, '--env', FROZEN_ENV, '--root', root, ...extra], stateDir, root);

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    writeThrowawayEnvironment(root, {
      name: FROZEN_ENV,
      clientPort: FROZEN_CLIENT_PORT,
      controllerPort: FROZEN_CONTROLLER_PORT,
      cluster: FROZEN_CLUSTER,
    });
    fs.writeFileSync(path.join(root, 'tenants', `${id}.yaml`), tenantYaml(id, ['events']));
    // In this process too: `up` keeps the cluster and its secrets under the temp .local; synth writes the state path.
    process.env.KAFKA_TENANCY_LOCAL_DIR = localDir;
    process.env.KAFKA_TENANCY_STATE_DIR = stateDir;
    env = loadEnvironment(FROZEN_ENV, root);
    secrets = secretSourceFor(env);
    await reset(env);
    await up(env);
    // everything: the platform stack creates the deployer that applies the tenant stack
    const first = await startCli(['deploy', '--env', FROZEN_ENV, '--root', root], stateDir, root).done;
    expectOk('first deploy to the throwaway cluster', first);
  });

  afterAll(async () => {
    thaw();
    if (env) await down(env);
  });

  it('fails in the preflight naming the cluster and `local status`, exits, and releases the lock', async () => {
    freeze(await brokerPid());
    const t0 = Date.now();
    const run = deploy();
    let errorAfterMs: number | undefined;
    void run.stderrMatch(/^error: /m, EXIT_BOUND_MS).then(
      () => (errorAfterMs = Date.now() - t0),
      () => undefined,
    );
    let timer: NodeJS.Timeout | undefined;
    let res: Awaited<CliRun['done']> | undefined;
    try {
      res = await Promise.race([
        run.done,
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), EXIT_BOUND_MS))),
      ]);
    } finally {
      clearTimeout(timer);
      thaw();
    }
    const printed =
      errorAfterMs === undefined ? 'no error printed' : `error printed after ${(errorAfterMs / 1000).toFixed(1)} s`;
    if (!res) {
      // Still running with the broker frozen: end it (the broker is continued, it would end by itself too).
      process.kill(run.pid, 'SIGTERM');
      const late = await run.done;
      throw new Error(
        `deploy with a frozen broker: ${printed}, but the process had not exited after ${EXIT_BOUND_MS / 1000} s ` +
          `(it exited ${(late.ms / 1000).toFixed(1)} s after its start, once the broker was continued or it was ` +
          `sent SIGTERM):\n${tail(late.stderr, 6)}`,
      );
    }
    // The figure the issue asks for (≤ 60 s with a frozen broker); stated, not asserted.
    console.log(
      `deploy with a frozen broker: exit ${res.status} after ${(res.ms / 1000).toFixed(1)} s (${printed}):\n${tail(res.stderr, 6)}`,
    );
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(`cluster "${FROZEN_CLUSTER}" (${brokers[0]})`);
    expect(res.stderr).toContain('kafka-tenancy local status');
    expect(res.stderr).toContain('nothing was planned or applied');
    expect(fs.existsSync(envLockFile(FROZEN_ENV, path.join(localDir, 'locks')))).toBe(false);
    await answering();
  });

  it("terraform's deadline stops terraform and its provider when the broker does not answer", async () => {
    const model = loadModel({ env: FROZEN_ENV, root });
    const outdir = path.join(work, 'frozen-cdktf.out');
    synthesize(model, outdir);
    const stackDir = fs.realpathSync(path.join(outdir, 'stacks', id));
    const cli = readyToolchain();
    await new StackRunner(stackDir, cli, secrets).init(); // the default deadline: init does not talk to Kafka
    const runner = new StackRunner(stackDir, cli, secrets, { timeoutMs: 15_000 });

    freeze(await brokerPid());
    let err: unknown;
    const t0 = Date.now();
    try {
      await runner.plan();
    } catch (e) {
      err = e;
    } finally {
      thaw();
    }
    const ms = Date.now() - t0;
    console.log(`plan against a frozen broker with a 15 s deadline: rejected after ${(ms / 1000).toFixed(1)} s`);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toContain(`stack "${id}":`);
    expect((err as Error).message).toContain('plan did not finish within 15 s');
    expect((err as Error).message).toContain(brokers[0]);

    // Nothing of that run is left: no terraform or provider process works in the stack folder (bounded poll).
    const inStack = () =>
      (spawnSync('pgrep', ['-f', 'terraform'], { encoding: 'utf8' }).stdout ?? '')
        .split('\n')
        .filter(Boolean)
        .filter((pid) => {
          try {
            return fs.readlinkSync(`/proc/${pid}/cwd`) === stackDir;
          } catch {
            return false; // gone meanwhile, or not ours to read
          }
        });
    const left = await until(
      'no terraform process in the stack folder',
      () => {
        const pids = inStack();
        return pids.length === 0 ? pids : undefined;
      },
      20_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${inStack().join(', ')}`);
    });
    expect(left).toEqual([]);
    await answering();
  });
});
