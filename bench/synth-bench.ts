/**
 * Synth benchmark (a script, not a test): `kafka-tenancy`'s synth (load + validate the fleet, build the model, our
 * constructs, synthesize) against a BARE cdktf app that synthesizes the same stacks with the same resources (plain
 * TerraformStacks, the generated provider classes created directly: no model, no constructs, no validation), on the
 * synthetic mixed fleet of bench/fleet.ts. Runs are interleaved in pairs (ours, bare, then bare, ours, …) and each
 * run is its own child process, so peak RSS is per run; CPU is the child's user + system seconds (plus its synth
 * workers', whose peak RSS is added to the child's: they run one at a time while it waits). The first measured
 * output of each size is checked byte for byte against one App's in one process.
 *
 *   npm run bench:synth -- [sizes…] [--pairs N] [--seed S] [--stacks-per-app N]    (default sizes: 100 1000 3000)
 *
 * The bare app's input is taken from our own synthesized output (one setup synth per size, not measured), turned
 * back into constructor props of the generated classes, so both sides produce the same resources by construction.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TerraformResource } from 'cdktf';
import { generateFleet } from './fleet';

interface RunResult {
  /** User + system CPU seconds of the whole child process (module loading included). */
  readonly cpuS: number;
  /** CPU seconds of the measured region only (after the modules are loaded). */
  readonly workS: number;
  readonly rssMiB: number;
  readonly stacks: number;
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const report = (r: RunResult) => process.stdout.write(JSON.stringify(r) + '\n');
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

// ---------- children ----------

function childOurs(root: string, outdir: string, stacksPerApp?: number): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded inside the child, after its clock starts */
  const { loadModel } = require('../src/model') as typeof import('../src/model');
  const { synthesize } = require('../src/stacks/synth') as typeof import('../src/stacks/synth');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const c0 = process.cpuUsage();
  const model = loadModel({ env: 'local', root });
  const res = synthesize(model, outdir, stacksPerApp ? { stacksPerApp } : {});
  // worker processes (one batch each, one at a time): their CPU adds up; the peak is ours plus the largest worker's
  const workers = res.workers ?? [];
  const workerCpu = workers.reduce((n, w) => n + w.cpuS, 0);
  report({
    cpuS: cpuSeconds(process.cpuUsage()) + workerCpu,
    workS: cpuSeconds(process.cpuUsage(c0)) + workerCpu,
    rssMiB: peakRssMiB() + Math.max(0, ...workers.map((w) => w.rssMiB)),
    stacks: res.stacks.length,
  });
}

/** Every file under `dir` (relative path → content). */
function files(dir: string, sub = '', out = new Map<string, string>()): Map<string, string> {
  for (const e of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
    const rel = path.join(sub, e.name);
    if (e.isDirectory()) files(dir, rel, out);
    else out.set(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
  }
  return out;
}

/** Fails unless both synth outputs hold the same files with the same bytes. */
function assertSameOutput(expectedDir: string, actualDir: string): void {
  const expected = files(expectedDir);
  const actual = files(actualDir);
  const differ = [...new Set([...expected.keys(), ...actual.keys()])].filter((f) => expected.get(f) !== actual.get(f));
  if (differ.length) throw new Error(`synth output differs from one App's: ${differ.slice(0, 5).join(', ')}`);
}

/** One synthesized stack, as the bare app recreates it. */
interface BareStack {
  readonly name: string;
  readonly json: Record<string, Record<string, Record<string, unknown>>>;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** Top-level Terraform attributes → generated-class props; nested maps (topic/quota config) stay as they are. */
function props(block: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(block)
      .filter(([k]) => k !== '//' && k !== 'depends_on' && k !== 'lifecycle')
      .map(([k, v]) => [camel(k), v]),
  );
}

function childBare(specFile: string, outdir: string): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cdktf = require('cdktf') as typeof import('cdktf');
  const { KafkaProvider } =
    require('../gen/providers/kafka/provider') as typeof import('../gen/providers/kafka/provider');
  const { Topic } = require('../gen/providers/kafka/topic') as typeof import('../gen/providers/kafka/topic');
  const { Acl } = require('../gen/providers/kafka/acl') as typeof import('../gen/providers/kafka/acl');
  const { Quota } = require('../gen/providers/kafka/quota') as typeof import('../gen/providers/kafka/quota');
  const { UserScramCredential } =
    require('../gen/providers/kafka/user-scram-credential') as typeof import('../gen/providers/kafka/user-scram-credential');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const c0 = process.cpuUsage();
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as BareStack[];
  const app = new cdktf.App({ outdir });
  for (const s of spec) {
    const stack = new cdktf.TerraformStack(app, s.name);
    const j = s.json;
    const vars = new Map<string, InstanceType<typeof cdktf.TerraformVariable>>();
    for (const [id, v] of Object.entries(j.variable ?? {})) {
      const variable = new cdktf.TerraformVariable(stack, id, props(v));
      if (v.ephemeral) variable.addOverride('ephemeral', true);
      vars.set(id, variable);
    }
    const provider = Object.values(j.provider?.kafka ?? {})[0] as unknown as Record<string, unknown> | undefined;
    const adminVar = [...vars.keys()].find((k) => k.startsWith('admin_password'));
    new KafkaProvider(stack, 'kafka', {
      ...(props(provider ?? {}) as { bootstrapServers: string[] }),
      saslPassword: adminVar ? vars.get(adminVar)!.stringValue : undefined,
    });
    const backend = (j.terraform as { backend?: { local?: { path: string } } }).backend?.local;
    if (backend) new cdktf.LocalBackend(stack, { path: backend.path });
    const made = new Map<string, TerraformResource>();
    const dependsOn = (b: Record<string, unknown>) =>
      ((b.depends_on as string[] | undefined) ?? []).map((d) => made.get(d)).filter((x) => x !== undefined);
    const create = (type: string, make: (id: string, b: Record<string, unknown>) => TerraformResource) => {
      for (const [id, b] of Object.entries(j.resource?.[type] ?? {})) {
        const r = make(id, b as Record<string, unknown>);
        made.set(`${type}.${id}`, r);
      }
    };
    const life = (b: Record<string, unknown>) =>
      (b.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy
        ? { preventDestroy: true }
        : undefined;
    create('kafka_topic', (id, b) => new Topic(stack, id, { ...props(b), lifecycle: life(b) } as never));
    create('kafka_quota', (id, b) => new Quota(stack, id, props(b) as never));
    create('kafka_user_scram_credential', (id, b) => {
      return new UserScramCredential(stack, id, { ...props(b), dependsOn: dependsOn(b) } as never);
    });
    create('kafka_acl', (id, b) => new Acl(stack, id, { ...props(b), dependsOn: dependsOn(b) } as never));
    for (const [id, d] of Object.entries(j.data?.terraform_remote_state ?? {})) {
      const cfg = (d as { config: { path: string }; defaults?: Record<string, unknown> }).config;
      new cdktf.DataTerraformRemoteStateLocal(stack, id, {
        path: cfg.path,
        defaults: (d as { defaults?: Record<string, unknown> }).defaults,
      });
    }
    for (const [id, o] of Object.entries(j.output ?? {})) {
      new cdktf.TerraformOutput(stack, id, { value: o.value, description: o.description as string | undefined });
    }
  }
  app.synth();
  report({
    cpuS: cpuSeconds(process.cpuUsage()),
    workS: cpuSeconds(process.cpuUsage(c0)),
    rssMiB: peakRssMiB(),
    stacks: spec.length,
  });
}

// ---------- parent ----------

function run(args: string[]): RunResult {
  const res = spawnSync(process.execPath, [__filename, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`child ${args.join(' ')} failed (${res.status}):\n${res.stderr}`);
  const line = res.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as RunResult;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}

function main(argv: string[]): void {
  if (argv[0] === '--child-ours') return childOurs(argv[1], argv[2], argv[3] ? Number(argv[3]) : undefined);
  if (argv[0] === '--child-bare') return childBare(argv[1], argv[2]);
  const args = [...argv];
  const pairs = Number(option(args, '--pairs') ?? 2);
  const seed = Number(option(args, '--seed') ?? 1);
  const stacksPerApp = option(args, '--stacks-per-app');
  const sizes = args.map(Number).filter((n) => n > 0);
  const rows: string[] = [];
  console.log(
    `synth vs bare cdktf, ${pairs} interleaved pair(s) per size, seed ${seed}, node ${process.version}` +
      (stacksPerApp ? `, ${stacksPerApp} stacks per App` : ''),
  );
  for (const n of sizes.length ? sizes : [100, 1000, 3000]) {
    const fleet = generateFleet({ tenants: n, seed });
    try {
      // setup (not measured): our synth once, its output turned into the bare app's input
      const setupOut = path.join(fleet.root, 'setup.out');
      // one App in one process: the reference the measured runs' output is compared with, byte for byte
      run(['--child-ours', fleet.root, setupOut, String(Number.MAX_SAFE_INTEGER)]);
      const stacksDir = path.join(setupOut, 'stacks');
      const spec: BareStack[] = fs
        .readdirSync(stacksDir)
        .sort()
        .map((name) => ({
          name,
          json: JSON.parse(fs.readFileSync(path.join(stacksDir, name, 'cdk.tf.json'), 'utf8')),
        }));
      const specFile = path.join(fleet.root, 'bare-spec.json');
      fs.writeFileSync(specFile, JSON.stringify(spec));

      const ours: RunResult[] = [];
      const bare: RunResult[] = [];
      for (let p = 0; p < pairs; p++) {
        const out = (side: string) => path.join(fleet.root, `${side}-${p}.out`);
        const runOurs = () =>
          ours.push(run(['--child-ours', fleet.root, out('ours'), ...(stacksPerApp ? [stacksPerApp] : [])]));
        const runBare = () => bare.push(run(['--child-bare', specFile, out('bare')]));
        if (p % 2 === 0) {
          runOurs();
          runBare();
        } else {
          runBare();
          runOurs();
        }
        if (p === 0) assertSameOutput(setupOut, out('ours'));
        fs.rmSync(out('ours'), { recursive: true, force: true });
        fs.rmSync(out('bare'), { recursive: true, force: true });
      }
      fs.rmSync(setupOut, { recursive: true, force: true });
      const ratios = ours.map((o, i) => o.cpuS / bare[i].cpuS);
      const row = [
        String(n).padStart(7),
        String(ours[0].stacks).padStart(6),
        median(ours.map((r) => r.cpuS))
          .toFixed(1)
          .padStart(8),
        median(bare.map((r) => r.cpuS))
          .toFixed(1)
          .padStart(8),
        `${median(ratios).toFixed(2)}×`.padStart(7),
        `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`.padStart(12),
        ((median(ours.map((r) => r.workS)) / n) * 1000).toFixed(1).padStart(9),
        median(ours.map((r) => r.rssMiB))
          .toFixed(0)
          .padStart(8),
        median(bare.map((r) => r.rssMiB))
          .toFixed(0)
          .padStart(8),
      ].join(' ');
      rows.push(row);
      console.log(row);
    } finally {
      fleet.remove();
    }
  }
  console.log('\ntenants stacks  ours s   bare s   ratio  (min–max)   ms/tenant  ours MiB bare MiB');
  for (const r of rows) console.log(r);
  console.log('(CPU s: user + system of the whole child process; ms/tenant: our measured region per tenant)');
}

main(process.argv.slice(2));
