/**
 * `kafka-tenancy deploy --parallelism N` and incremental deploys, as a user runs them (the built CLI in child
 * processes, real terraform, a real broker), on a throwaway single-broker cluster of its own (ports 17692/17693,
 * its own `.local` and state folder; stopped in `afterAll` whatever happens):
 *
 *   1. six tenants and the platform from empty with --parallelism 3: every stack applied;
 *   2. again with no change: every stack `unchanged (skipped)`, no terraform plan at all;
 *   3. one tenant more: only that stack is planned and applied;
 *   4. --refresh: every stack is planned (a drift check), none has changes (and, for comparison, the same with
 *      --parallelism 1).
 *
 * Wall and CPU time (user + system of the CLI and every terraform/provider process it waited for, from bash's
 * `time`) are printed for each run: figures, not assertions.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { down } from '../../src/local/cluster';
import type { Environment } from '../../src/model/environment';
import { savedLocalDirs, suffix, startThrowawayCluster } from './support';

jest.setTimeout(900_000);

const REPO_ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');

// Apart from every other test cluster (scram-restart 17192/3, verify-frozen 17292/3, deploy-faults 17392/3).
const CLIENT_PORT = 17692;
const CONTROLLER_PORT = 17693;
const ENV = 'deployparallel';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-deploy-parallel-'));
const localDir = path.join(work, '.local');
const stateDir = path.join(work, 'state');
const root = path.join(work, 'project');
const saved = savedLocalDirs();

interface Timed {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallS: number;
  readonly cpuS: number;
}

/** `kafka-tenancy deploy <args>` under bash's `time`, with the temp `.local` and state folder. */
function deploy(...args: string[]): Promise<Timed> {
  const cmd = [process.execPath, CLI, 'deploy', '--env', ENV, '--root', root, ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const child = spawn('bash', ['-c', `TIMEFORMAT='@@time %R %U %S'; time ${cmd}`], {
    cwd: root,
    env: { ...process.env, KAFKA_TENANCY_LOCAL_DIR: localDir, KAFKA_TENANCY_STATE_DIR: stateDir, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) =>
    child.on('close', (status) => {
      const m = /^@@time ([\d.]+) ([\d.]+) ([\d.]+)$/m.exec(stderr);
      resolve({
        status,
        stdout,
        stderr: stderr.replace(/^@@time .*\n?/m, ''),
        wallS: m ? Number(m[1]) : NaN,
        cpuS: m ? Number(m[2]) + Number(m[3]) : NaN,
      });
    }),
  );
}

function expectOk(what: string, res: Timed): void {
  if (res.status !== 0) {
    const tail = `${res.stdout}\n${res.stderr}`.trim().split('\n').slice(-60).join('\n');
    throw new Error(`${what} failed (exit ${res.status}):\n${tail}`);
  }
}

/** The outcome column of the deploy table, per stack. */
function outcomes(stdout: string, stacks: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(
    stacks.map((s) => [
      s,
      new RegExp(`^\\W*${s}\\W+(applied|no-changes|unchanged \\(skipped\\))`, 'm').exec(stdout)?.[1],
    ]),
  );
}

/** Stacks the run planned (from the `[stack] plan` progress lines). */
const plannedStacks = (stderr: string) => [...stderr.matchAll(/^\[([^\]]+)\] plan$/gm)].map((m) => m[1]!).sort();

const tenantYaml = (id: string) =>
  stringifyYaml({
    id,
    owner: 'team-parallel',
    contact: 'parallel@example.com',
    tier: 'topic-per-tenant',
    classification: 'internal',
    topics: [
      { name: 'orders', partitions: 1 },
      { name: 'events', partitions: 1 },
    ],
    applications: [{ name: 'app', produces: ['orders', 'events'], consumes: ['orders'], groups: ['app'] }],
  });

describe('deploy --parallelism, incremental (throwaway cluster)', () => {
  const sfx = suffix();
  const tenants = ['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `p${sfx}${l}`);
  const extra = `p${sfx}g`;
  const figures: string[] = [];
  let env: Environment | undefined;

  const writeTenant = (id: string) => fs.writeFileSync(path.join(root, 'tenants', `${id}.yaml`), tenantYaml(id));
  const figure = (what: string, res: Timed) =>
    figures.push(`${what}: ${res.wallS.toFixed(1)} s wall, ${res.cpuS.toFixed(1)} CPU s`);

  beforeAll(async () => {
    expect(fs.existsSync(CLI)).toBe(true); // npm test builds before the tests run
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    env = await startThrowawayCluster(root, {
      name: ENV,
      clientPort: CLIENT_PORT,
      controllerPort: CONTROLLER_PORT,
      localDir,
      stateDir,
    });
    tenants.forEach(writeTenant);
  });

  afterAll(async () => {
    try {
      if (env) await down(env);
    } finally {
      saved.restore();
      fs.rmSync(work, { recursive: true, force: true });
      if (figures.length) console.log(`deploy figures (${os.cpus().length} cores):\n  ${figures.join('\n  ')}`);
    }
  });

  it('deploys six tenants from empty, skips them all when nothing changed, plans only a new tenant, and --refresh plans all', async () => {
    const all = ['platform', ...tenants];

    const first = await deploy('--parallelism', '3');
    expectOk('deploy from empty', first);
    figure('7 stacks from empty, --parallelism 3', first);
    expect(outcomes(first.stdout, all)).toEqual(Object.fromEntries(all.map((s) => [s, 'applied'])));
    expect(plannedStacks(first.stderr)).toEqual([...all].sort());
    for (const s of all) expect(fs.existsSync(path.join(stateDir, `${s}.applied.json`))).toBe(true);

    const again = await deploy('--parallelism', '3');
    expectOk('deploy with no change', again);
    figure('7 stacks, no change (all skipped)', again);
    expect(outcomes(again.stdout, all)).toEqual(Object.fromEntries(all.map((s) => [s, 'unchanged (skipped)'])));
    expect(plannedStacks(again.stderr)).toEqual([]);
    expect(again.stderr).toContain('7 unchanged since their last apply (skipped');

    writeTenant(extra);
    const more = await deploy('--parallelism', '3');
    expectOk('deploy with one tenant more', more);
    figure('one tenant more (8 stacks, 1 planned)', more);
    expect(plannedStacks(more.stderr)).toEqual([extra]);
    expect(outcomes(more.stdout, [...all, extra])).toEqual({
      ...Object.fromEntries(all.map((s) => [s, 'unchanged (skipped)'])),
      [extra]: 'applied',
    });

    const refresh = await deploy('--parallelism', '3', '--refresh');
    expectOk('deploy --refresh', refresh);
    figure('--refresh (8 stacks planned, no changes)', refresh);
    expect(plannedStacks(refresh.stderr)).toEqual([...all, extra].sort());
    expect(outcomes(refresh.stdout, [...all, extra])).toEqual(
      Object.fromEntries([...all, extra].map((s) => [s, 'no-changes'])),
    );

    // For comparison only: the same drift check one terraform process at a time.
    const serial = await deploy('--parallelism', '1', '--refresh');
    expectOk('deploy --refresh --parallelism 1', serial);
    figure('--refresh --parallelism 1 (8 stacks planned, one at a time)', serial);
  });
});
