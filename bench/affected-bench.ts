/**
 * PR-loop benchmark (a script, not a test): what one added tenant costs on a small and on a large fleet.
 *
 * - `affected`: the real CLI, `kafka-tenancy affected --base main --names`, in a temporary git repository holding
 *   the synthetic fleet of bench/fleet.ts with one tenant file added on a branch.
 * - `plan --affected`, its synth part (Kafka and Terraform are not needed): what `kafka-tenancy plan --affected`
 *   does before its first terraform run — load the model, compute the affected stacks, synthesize only those.
 *   The model is loaded as the CLI loads it (`projectModel`), with the decoded-file cache (src/model/decode-cache.ts)
 *   in a folder of the bench's own, measured twice:
 *   - cold: an empty cache (a fresh checkout): every file is decoded, and the cache is written;
 *   - warm: the cache a run on `main` left (the pull-request loop with a kept cache): the added tenant is decoded,
 *     every other file comes from the cache. The cache is put back before each run, so every run starts the same.
 *
 * Each run is its own child process (CPU = its user + system seconds, RSS = its peak); the small and the large
 * fleet are interleaved in pairs. Goal (issue 10): large/small ≤ 1.5× in CPU, ≤ 300 MiB.
 *
 *   npm run bench:affected -- [--small 10] [--large 1000] [--pairs 3] [--seed 1]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateFleet, tenantYaml, tenantId } from './fleet';

interface Usage {
  readonly cpuS: number;
  readonly rssMiB: number;
}

const USAGE_ENV = 'KT_BENCH_USAGE_FILE';
const usage = (): Usage => {
  const u = process.cpuUsage();
  return { cpuS: (u.user + u.system) / 1e6, rssMiB: process.resourceUsage().maxRSS / 1024 };
};

/** Preloaded into the CLI child (`node -r`): writes the process' CPU and peak RSS when it exits. */
function installExitReport(): void {
  const file = process.env[USAGE_ENV];
  if (file) process.on('exit', () => fs.writeFileSync(file, JSON.stringify(usage())));
}

function childPlanSynth(root: string, outdir: string, cacheDir: string): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded inside the child */
  const { loadModel } = require('../src/model') as typeof import('../src/model');
  const { computeAffected } = require('../src/pipeline/affected') as typeof import('../src/pipeline/affected');
  const { synthesize } = require('../src/stacks/synth') as typeof import('../src/stacks/synth');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // the order of `plan --affected` (src/cli/commands/plan.ts): model, affected stacks, synth of those only; the
  // model as `projectModel` loads it, with the cache in the bench's folder instead of .local/cache/model
  const model = loadModel({ env: 'local', root, cacheDir });
  const res = computeAffected({ root, base: 'main', env: 'local', cacheDir });
  const selected = res.stacks.filter((s) => s.status !== 'removed').map((s) => s.stack);
  const synth = synthesize(model, outdir, { only: selected });
  if (synth.stacks.length !== 1) throw new Error(`expected one stack, synthesized ${synth.stacks.join(', ')}`);
  process.stdout.write(JSON.stringify(usage()) + '\n');
}

const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], {
    cwd: root,
    stdio: 'pipe',
  });

/** The fleet committed on `main`, then a branch adding one topic-per-tenant tenant. */
function fleetRepo(n: number, seed: number): { root: string; remove(): void } {
  const fleet = generateFleet({ tenants: n, seed });
  git(fleet.root, 'init', '-q', '-b', 'main');
  git(fleet.root, 'add', '-A');
  git(fleet.root, 'commit', '-q', '-m', 'fleet');
  git(fleet.root, 'checkout', '-q', '-b', 'add-tenant');
  fs.writeFileSync(
    path.join(fleet.tenantsDir, `${tenantId(n)}.yaml`),
    tenantYaml(n, 'topic-per-tenant', seed, ['orders.placed', 'orders.shipped']),
  );
  git(fleet.root, 'add', '-A');
  git(fleet.root, 'commit', '-q', '-m', 'add a tenant');
  return fleet;
}

function runAffected(root: string): Usage {
  const cli = path.join(__dirname, '..', 'src', 'cli', 'index.js');
  const usageFile = path.join(os.tmpdir(), `kt-bench-usage-${process.pid}.json`);
  const res = spawnSync(
    process.execPath,
    ['-r', __filename, cli, 'affected', '--base', 'main', '--names', '--root', root],
    { encoding: 'utf8', env: { ...process.env, [USAGE_ENV]: usageFile }, cwd: root },
  );
  if (res.status !== 0) throw new Error(`affected failed (${res.status}):\n${res.stderr}`);
  if (res.stdout.trim().split('\n').length !== 1) throw new Error(`expected one affected stack, got:\n${res.stdout}`);
  const u = JSON.parse(fs.readFileSync(usageFile, 'utf8')) as Usage;
  fs.rmSync(usageFile, { force: true });
  return u;
}

function runPlanSynth(root: string, cacheDir: string): Usage {
  const out = path.join(root, '.bench-synth');
  const res = spawnSync(process.execPath, [__filename, '--child-plan-synth', root, out, cacheDir], {
    encoding: 'utf8',
  });
  fs.rmSync(out, { recursive: true, force: true });
  if (res.status !== 0) throw new Error(`plan synth failed (${res.status}):\n${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as Usage;
}

/** The decoded-file cache of a fleet's `main`, as a run there leaves it (in its own folder). */
function mainCache(root: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bench-cache-main-'));
  git(root, 'checkout', '-q', 'main');
  try {
    const res = spawnSync(process.execPath, [__filename, '--child-load-model', root, dir], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`loading the model at main failed (${res.status}):\n${res.stderr}`);
  } finally {
    git(root, 'checkout', '-q', 'add-tenant');
  }
  return dir;
}

function childLoadModel(root: string, cacheDir: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded inside the child
  const { loadModel } = require('../src/model') as typeof import('../src/model');
  loadModel({ env: 'local', root, cacheDir });
}

/** `main`'s cache of each fleet (made once per fleet), removed when the bench ends. */
const mainCaches = new Map<string, string>();

/** `plan --affected` with an empty cache folder (cold), or with a copy of `main`'s cache (warm). */
function planSynth(warm: boolean): (root: string) => Usage {
  return (root) => {
    const cacheDir = path.join(os.tmpdir(), `kt-bench-cache-${process.pid}`);
    fs.rmSync(cacheDir, { recursive: true, force: true });
    if (warm) {
      if (!mainCaches.has(root)) mainCaches.set(root, mainCache(root));
      fs.cpSync(mainCaches.get(root)!, cacheDir, { recursive: true });
    }
    try {
      return runPlanSynth(root, cacheDir);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
}

function main(argv: string[]): void {
  if (argv[0] === '--child-plan-synth') return childPlanSynth(argv[1], argv[2], argv[3]);
  if (argv[0] === '--child-load-model') return childLoadModel(argv[1], argv[2]);
  const small = option(argv, '--small', 10);
  const large = option(argv, '--large', 1000);
  const pairs = option(argv, '--pairs', 3);
  const seed = option(argv, '--seed', 1);
  const repos = { small: fleetRepo(small, seed), large: fleetRepo(large, seed) };
  try {
    const measures = {
      affected: runAffected,
      'plan --affected, cold cache': planSynth(false),
      'plan --affected, warm cache': planSynth(true),
    };
    console.log(
      `one tenant added, ${small} vs ${large} tenants, ${pairs} interleaved pair(s), node ${process.version}`,
    );
    console.log(
      `\nmeasure                        ${`${small} CPU s`.padStart(9)} ${`${large} CPU s`.padStart(11)}   ratio  ${`${small} MiB`.padStart(8)} ${`${large} MiB`.padStart(9)}`,
    );
    for (const [name, measure] of Object.entries(measures)) {
      const s: Usage[] = [];
      const l: Usage[] = [];
      for (let p = 0; p < pairs; p++) {
        if (p % 2 === 0) {
          s.push(measure(repos.small.root));
          l.push(measure(repos.large.root));
        } else {
          l.push(measure(repos.large.root));
          s.push(measure(repos.small.root));
        }
      }
      const sc = median(s.map((u) => u.cpuS));
      const lc = median(l.map((u) => u.cpuS));
      console.log(
        `${name.padEnd(30)} ${sc.toFixed(2).padStart(9)} ${lc.toFixed(2).padStart(11)} ${`${(lc / sc).toFixed(2)}×`.padStart(7)} ${median(
          s.map((u) => u.rssMiB),
        )
          .toFixed(0)
          .padStart(8)} ${median(l.map((u) => u.rssMiB))
          .toFixed(0)
          .padStart(9)}`,
      );
    }
    console.log('(CPU s: user + system of the whole child process, module loading included; MiB: its peak RSS)');
    console.log('(cold cache: empty, written by the run; warm cache: what a run on main left, the new tenant decoded)');
  } finally {
    repos.small.remove();
    repos.large.remove();
    for (const dir of mainCaches.values()) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env[USAGE_ENV]) installExitReport();
else if (require.main === module) main(process.argv.slice(2));
