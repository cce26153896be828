/**
 * Deploy and verify benchmark (a script, not a test; issue 10 items 3 and 4): the example fleet plus generated
 * tenants (bench/fleet.ts, topic-per-tenant and shared only: a generated dedicated tenant would need a broker of its
 * own) on throwaway local clusters of the bench's own (ports 17892–17895 unless --port-base, its own .local folder, state and secrets
 * in the fleet's temp root), driven through the real CLI, each command timed by `/usr/bin/time` (wall, and user +
 * system CPU of the command and every terraform and provider process it waited for).
 *
 * Per fleet size: `deploy` from empty, `deploy` again with no change (stacks whose synthesized hash matches their
 * last successful apply are skipped), `deploy --refresh` (every stack planned: the full drift check), one
 * topic-per-tenant tenant added and `deploy`, then `verify --skip-quotas` and `verify` (quotas too). Printed:
 * figures per size and per stack or tenant, and each size's ratio to the smallest size of the same invocation.
 * `--negative-control` then runs the integration test test/integration/verify-negative-control.test.ts against the
 * largest fleet (its mistakes applied to a fleet of that size, scoped and whole-fleet verify runs).
 *
 *   npm run bench:platform -- 10 50 200 [--seed 1] [--parallelism N] [--heap-mb 1024] [--port-base 17892] [--negative-control]
 *                                       [--steps deploy,nochange,refresh,add,verify,verify-quotas] [--keep]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { generateFleet, tenantId, tenantYaml } from './fleet';

const CLI = path.join(__dirname, '..', 'src', 'cli', 'index.js');
const REPO = path.join(__dirname, '..', '..');
/** Client and controller ports of the bench's clusters, from `--port-base` (default 17892). */
const portsFrom = (base: number) => ({ shared: [base, base + 1], dedicated: [base + 2, base + 3] }) as const;
const STEPS = ['deploy', 'nochange', 'refresh', 'add', 'verify', 'verify-quotas'] as const;
type Step = (typeof STEPS)[number];

interface Timed {
  readonly wallS: number;
  readonly cpuS: number;
  readonly rssMiB: number;
  readonly stdout: string;
}

interface Args {
  sizes: number[];
  seed: number;
  parallelism?: number;
  heapMb: number;
  portBase: number;
  negativeControl: boolean;
  keep: boolean;
  steps: Set<Step>;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    sizes: [],
    seed: 1,
    heapMb: 1024,
    portBase: 17892,
    negativeControl: false,
    keep: false,
    steps: new Set(STEPS),
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    if (v === '--seed') a.seed = Number(argv[++i]);
    else if (v === '--parallelism') a.parallelism = Number(argv[++i]);
    else if (v === '--heap-mb') a.heapMb = Number(argv[++i]);
    else if (v === '--port-base') a.portBase = Number(argv[++i]);
    else if (v === '--negative-control') a.negativeControl = true;
    else if (v === '--keep') a.keep = true;
    else if (v === '--steps') {
      const steps = argv[++i]!.split(',');
      const unknown = steps.filter((s) => !(STEPS as readonly string[]).includes(s));
      if (unknown.length) throw new Error(`unknown step(s) ${unknown.join(', ')}; steps: ${STEPS.join(', ')}`);
      a.steps = new Set(steps as Step[]);
    } else if (/^\d+$/.test(v)) a.sizes.push(Number(v));
    else throw new Error(`unknown argument ${v}`);
  }
  if (a.sizes.length === 0) a.sizes = [10, 50, 200];
  return a;
}

/** Runs a command under /usr/bin/time; throws with its output when it fails. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, label: string): Timed {
  const timeFile = path.join(os.tmpdir(), `kt-bench-time-${process.pid}.txt`);
  const res = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    env,
    maxBuffer: 256 * 1024 * 1024,
    timeout: 3 * 3600_000,
  });
  if (res.status !== 0) {
    throw new Error(`${label} failed (exit ${res.status ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
  }
  const [wall, user, sys, rssKiB] = fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-4).map(Number);
  fs.rmSync(timeFile, { force: true });
  return { wallS: wall!, cpuS: user! + sys!, rssMiB: rssKiB! / 1024, stdout: res.stdout };
}

/** The fleet's copy of environments/local.yaml, moved to the bench's ports (the main clusters may be running). */
function moveEnvironment(root: string, heapMb: number, portBase: number): void {
  const file = path.join(root, 'environments', 'local.yaml');
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as {
    clusters: Record<string, { bootstrapServers: string[]; local: Record<string, unknown> }>;
  };
  for (const [name, [client, controller]] of Object.entries(portsFrom(portBase))) {
    const c = doc.clusters[name]!;
    c.bootstrapServers = [`127.0.0.1:${client}`];
    c.local = { ...c.local, clientPort: client, controllerPort: controller, heapMb };
  }
  fs.writeFileSync(file, stringifyYaml(doc));
}

interface DeployJson {
  readonly stacks?: ReadonlyArray<{ readonly stack: string; readonly outcome: string }>;
}

/** "N stacks: a applied, b skipped" from `deploy --json` (whatever outcome names it prints). */
function outcomes(stdout: string): string {
  const doc = JSON.parse(stdout) as DeployJson;
  const counts = new Map<string, number>();
  for (const s of doc.stacks ?? []) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  return `${doc.stacks?.length ?? 0} stacks: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}`;
}

interface Row {
  readonly size: number;
  readonly step: string;
  readonly t: Timed;
  readonly per: number;
  readonly perLabel: string;
  readonly what: string;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  const fmt = (n: number, d = 1) => n.toFixed(d);
  console.log(
    `machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ` +
      `load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  const largest = Math.max(...args.sizes);
  for (const size of args.sizes) {
    const fleet = generateFleet({ tenants: size, seed: args.seed, dedicated: 0, withExamples: true, sourceRoot: REPO });
    moveEnvironment(fleet.root, args.heapMb, args.portBase);
    const local = path.join(fleet.root, '.local');
    const env = {
      ...process.env,
      KAFKA_TENANCY_LOCAL_DIR: local,
      KAFKA_TENANCY_STATE_DIR: path.join(local, 'state'),
      KAFKA_TENANCY_ENV: 'local',
      NO_COLOR: '1',
    };
    const cli = (label: string, ...a: string[]) =>
      timed(process.execPath, [CLI, ...a, '--root', fleet.root], env, label);
    const stacks = fleet.ids.length + 1; // + the platform stack
    const par = args.parallelism === undefined ? [] : ['--parallelism', String(args.parallelism)];
    console.log(`\n== ${size} tenants (${fleet.ids.length} files, ${stacks} stacks) in ${fleet.root}`);
    let up = false;
    try {
      timed(process.execPath, [CLI, 'local', 'up', '--env', 'local', '--root', fleet.root], env, 'local up');
      up = true;
      const record = (step: string, t: Timed, per: number, perLabel: string, what: string) => {
        rows.push({ size, step, t, per, perLabel, what });
        console.log(
          `  ${step.padEnd(14)} wall ${fmt(t.wallS).padStart(7)} s  CPU ${fmt(t.cpuS).padStart(7)} s  ` +
            `peak RSS ${fmt(t.rssMiB, 0).padStart(5)} MiB  ${fmt((t.wallS * 1000) / per, 0)} ms wall/${perLabel}  ${what}`,
        );
      };
      if (args.steps.has('deploy')) {
        const t = cli('deploy from empty', 'deploy', '--json', ...par);
        record('deploy', t, stacks, 'stack', outcomes(t.stdout));
      }
      if (args.steps.has('nochange')) {
        const t = cli('deploy, no change', 'deploy', '--json', ...par);
        record('no change', t, stacks, 'stack', outcomes(t.stdout));
      }
      if (args.steps.has('refresh')) {
        const t = cli('deploy --refresh', 'deploy', '--refresh', '--json', ...par);
        record('--refresh', t, stacks, 'stack', outcomes(t.stdout));
      }
      if (args.steps.has('add')) {
        fs.writeFileSync(
          path.join(fleet.tenantsDir, `${tenantId(99_999)}.yaml`),
          tenantYaml(99_999, 'topic-per-tenant', args.seed, ['orders.placed', 'orders.shipped']),
        );
        const t = cli('deploy, one tenant added', 'deploy', '--json', ...par);
        record('+1 tenant', t, 1, 'tenant', outcomes(t.stdout));
      }
      const tenants = fs.readdirSync(fleet.tenantsDir).filter((f) => f.endsWith('.yaml')).length;
      for (const step of ['verify', 'verify-quotas'] as const) {
        if (!args.steps.has(step)) continue;
        const t = cli(step, 'verify', '--json', ...(step === 'verify' ? ['--skip-quotas'] : []));
        const report = JSON.parse(t.stdout) as { results: { status: string }[]; ok: boolean };
        const by = new Map<string, number>();
        for (const r of report.results) by.set(r.status, (by.get(r.status) ?? 0) + 1);
        record(
          step === 'verify' ? 'verify' : 'verify+quotas',
          t,
          tenants,
          'tenant',
          `${report.results.length} checks (${fmt(report.results.length / tenants, 1)}/tenant): ` +
            `${[...by].map(([k, n]) => `${n} ${k}`).join(', ')}${report.ok ? '' : ' — NOT OK'}`,
        );
      }
      if (args.negativeControl && size === largest) {
        console.log(`  negative control on ${tenants} tenants: jest verify-negative-control.test.ts`);
        const t = timed(
          process.execPath,
          [
            path.join(REPO, 'node_modules', 'jest', 'bin', 'jest.js'),
            'test/integration/verify-negative-control.test.ts',
            '--selectProjects',
            'integration',
            '--runInBand',
          ],
          { ...env, KT_TEST_FLEET_ROOT: fleet.root },
          'negative control',
        );
        record('negative ctl', t, tenants, 'tenant', 'every mistake caught, and passes again once undone');
      }
    } finally {
      if (up) timed(process.execPath, [CLI, 'local', 'down', '--env', 'local', '--root', fleet.root], env, 'down');
      if (args.keep) console.log(`  kept ${fleet.root}`);
      else fleet.remove();
    }
  }
  const base = Math.min(...args.sizes);
  console.log(`\nratios to ${base} tenants (per stack / per tenant, wall and CPU):`);
  for (const r of rows) {
    const b = rows.find((x) => x.size === base && x.step === r.step);
    if (!b || r.size === base) continue;
    const ratio = (x: number, y: number) => `${(x / r.per / (y / b.per)).toFixed(2)}×`;
    console.log(
      `  ${String(r.size).padStart(5)} ${r.step.padEnd(14)} wall ${ratio(r.t.wallS, b.t.wallS)}  CPU ${ratio(r.t.cpuS, b.t.cpuS)}`,
    );
  }
}

main();
