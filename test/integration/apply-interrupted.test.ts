/**
 * Interrupted deploys converge: a 40-topic tenant's first apply is killed at seeded points — `kill -9` of
 * terraform at several moments of the apply, and `kill -9` of the node `deploy` process itself — and one more
 * `deploy` finishes the job with no manual step: every declared topic exists once, the state holds each once,
 * a further deploy changes nothing, and verify passes for the tenant. Killing node must not leave terraform
 * running (it gets SIGTERM through setpriv --pdeathsig and stops).
 *
 * Real shared cluster, real terraform, the built CLI in child processes, a temp project with its own state folder.
 * The kill moments come from a seeded PRNG (KILL_SEED to change): a failure can be re-run exactly.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { readLocalState } from '../../src/terraform/state';
import { deployedTopics } from '../../src/terraform/json';
import { seededRandom } from '../../src/verify/pairs';
import { ensurePlatformDeployed, LocalPlatform, requireLocalPlatform, suffix } from './support';

jest.setTimeout(900_000);

const REPO_ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');
const TOPICS = 40;
const SEED = process.env.KILL_SEED ?? 'kafka-tenancy-kill-points';

interface Child {
  readonly pid: number;
  /** Set once the process has ended. */
  readonly exited: () => { code: number | null; stderr: string } | undefined;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Pids of processes whose command line contains `needle` and whose cwd ends with `/stacks/<stack>`. */
function processesIn(stack: string, needle: RegExp): number[] {
  const out = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout;
  const pids: number[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m || !needle.test(m[2])) continue;
    try {
      if (fs.readlinkSync(`/proc/${m[1]}/cwd`).endsWith(`/stacks/${stack}`)) pids.push(Number(m[1]));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Poll (bounded by `ms` of wall time) until `probe` returns a value; `explain` adds context to the timeout. */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  ms = 120_000,
  every = 20,
  explain: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${explain()}`);
}

/** `ps` lines of pids, for failure messages. */
const psOf = (pids: number[]): string =>
  pids.length
    ? '\n' + spawnSync('ps', ['-o', 'pid,ppid,stat,etime,args', '-p', pids.join(',')], { encoding: 'utf8' }).stdout
    : '';

describe('deploy converges after being killed mid-apply (real cluster, real terraform)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-killed-'));
  const root = path.join(work, 'project');
  const stateDir = path.join(work, 'state');
  const previousStateDir = process.env.KAFKA_TENANCY_STATE_DIR;
  const random = seededRandom(SEED);
  const created: string[] = [];
  const figures: string[] = [];
  let platform: LocalPlatform;

  const tenantYaml = (id: string) =>
    [
      `id: ${id}`,
      'owner: team-kill',
      'contact: kill@example.com',
      'tier: topic-per-tenant',
      'classification: internal',
      'topics:',
      ...Array.from({ length: TOPICS }, (_, i) => `  - name: t${String(i).padStart(2, '0')}\n    partitions: 1`),
      'applications:',
      '  - name: app',
      '    produces: [t00]',
      '',
    ].join('\n');

  const deployChild = (id: string, ...extra: string[]): Child => {
    const child = spawn(process.execPath, [CLI, 'deploy', id, '--root', root, '--lock-timeout', '5m', ...extra], {
      cwd: root,
      env: { ...process.env }, // jest's sandboxed process.env, with this test's state folder
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    let ended: { code: number | null; stderr: string } | undefined;
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
      child.on('close', (code, signal) => {
        ended = { code, stderr };
        resolve({ code, signal, stderr });
      }),
    );
    return { pid: child.pid!, done, exited: () => ended };
  };
  const deployOk = async (id: string, ...extra: string[]): Promise<string> => {
    const res = await deployChild(id, ...extra).done;
    if (res.code !== 0) throw new Error(`deploy ${id} failed (exit ${res.code}):\n${res.stderr.slice(-3000)}`);
    return res.stderr;
  };
  const liveTopicsOf = async (id: string): Promise<string[]> => {
    const a = platform.admin('shared');
    await a.connect();
    try {
      return (await a.listTopics()).filter((t) => t.startsWith(`${id}.`)).sort();
    } finally {
      await a.disconnect();
    }
  };
  const expected = (id: string) =>
    Array.from({ length: TOPICS }, (_, i) => `${id}.t${String(i).padStart(2, '0')}`).sort();

  beforeAll(async () => {
    platform = await requireLocalPlatform();
    await ensurePlatformDeployed(platform); // verify checks the tenant against the shared topics
    expect(fs.existsSync(CLI)).toBe(true);
    process.env.KAFKA_TENANCY_STATE_DIR = stateDir;
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
  });

  afterAll(async () => {
    try {
      const a = platform.admin('shared');
      await a.connect();
      for (const id of created) {
        const topics = (await a.listTopics()).filter((t) => t.startsWith(`${id}.`));
        if (topics.length) await a.deleteTopics({ topics });
        await a.deleteAcls({
          filters: [
            {
              resourceType: AclResourceTypes.ANY,
              resourcePatternType: ResourcePatternTypes.ANY,
              principal: `User:${id}.app`,
              host: '*',
              operation: AclOperationTypes.ANY,
              permissionType: AclPermissionTypes.ANY,
            },
          ],
        });
      }
      await a.disconnect();
    } finally {
      if (previousStateDir === undefined) delete process.env.KAFKA_TENANCY_STATE_DIR;
      else process.env.KAFKA_TENANCY_STATE_DIR = previousStateDir;
      fs.rmSync(work, { recursive: true, force: true });
      process.stderr.write(`kill points (seed ${SEED}):\n  ${figures.join('\n  ')}\n`);
    }
  });

  /** Five terraform kills spread over the apply, one node kill; seeded moments after apply started. */
  const points: Array<{ victim: 'terraform' | 'node'; delayMs: number }> = [
    ...[0, 400, 900, 1600, 2600].map((base) => ({
      victim: 'terraform' as const,
      delayMs: Math.round(base + random() * 300),
    })),
    { victim: 'node', delayMs: Math.round(500 + random() * 800) },
  ];

  it.each(points.map((p, i) => [i + 1, p.victim, p.delayMs] as const))(
    'point %i: kill -9 of %s %i ms into the first apply, then one deploy converges',
    async (_n, victim, delayMs) => {
      const id = `kp${suffix()}`;
      created.push(id);
      fs.writeFileSync(path.join(root, 'tenants', `${id}.yaml`), tenantYaml(id));

      const first = deployChild(id);
      const tf = await waitFor('terraform apply', () => {
        const ended = first.exited();
        if (ended) throw new Error(`deploy ended before its apply (exit ${ended.code}):\n${ended.stderr.slice(-2000)}`);
        return processesIn(id, /^\S*terraform apply /)[0];
      });
      await new Promise((r) => setTimeout(r, delayMs));
      const topicsAtKill = (await liveTopicsOf(id)).length;
      process.kill(victim === 'terraform' ? tf : first.pid, 'SIGKILL');
      const killed = await first.done;
      // The run did not pass, unless the apply had already finished when the signal came.
      const finished = killed.code === 0;
      if (victim === 'node') {
        // terraform got SIGTERM from the kernel (pdeathsig) and stopped: nothing of this stack keeps running.
        await waitFor(
          'terraform to stop after its parent died',
          () => (processesIn(id, /terraform/).length === 0 ? true : undefined),
          120_000,
          100,
          () => psOf(processesIn(id, /terraform/)),
        );
      }
      const stateAfterKill = deployedTopics(readLocalState(platform.env, id) ?? []).length;

      const t0 = Date.now();
      const log = await deployOk(id);
      const secondMs = Date.now() - t0;

      expect(await liveTopicsOf(id)).toEqual(expected(id));
      const inState = deployedTopics(readLocalState(platform.env, id) ?? []).map((t) => t.name);
      expect(inState.sort()).toEqual(expected(id)); // each once
      // --refresh: really plan (the converged stack's hash was recorded, so a plain deploy would skip it).
      const again = await deployOk(id, '--refresh');
      expect(again).toMatch(new RegExp(`\\[${id}\\] plan`));
      expect(again).not.toMatch(new RegExp(`\\[${id}\\] apply`)); // converged: nothing left to do
      const verify = spawnSync(process.execPath, [CLI, 'verify', '--root', root, '--tenants', id, '--skip-quotas'], {
        cwd: root,
        env: { ...process.env },
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(`${verify.status} ${verify.stdout.slice(-600)}`).toMatch(/^0 /);
      const adopted = /adopting (\d+) declared topic/.exec(log)?.[1] ?? '0';
      figures.push(
        `${victim} +${delayMs} ms: ${finished ? 'apply had finished; ' : ''}${topicsAtKill} topics live and ${stateAfterKill} in state at the kill; ` +
          `next deploy adopted ${adopted} and converged in ${(secondMs / 1000).toFixed(1)} s`,
      );
    },
  );
});
