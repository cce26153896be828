/**
 * `deploy` with a pool of terraform processes and incremental skipping, against a fake terraform (a shell script
 * that logs the start and end of every call, writes a local state file on apply, and answers `plan` from a plan
 * fixture): the platform applies alone before any tenant, tenants apply in parallel up to N, a stack whose
 * configuration is the one of its last successful apply runs no terraform at all, a changed one is planned alone,
 * and a failed apply stops new applies, leaves no record and says what happened to each stack.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deploy, type DeployOptions } from '../../../src/pipeline/deploy';
import { appliedRecordFile, readAppliedRecord } from '../../../src/pipeline/applied-record';
import type { TerraformCli } from '../../../src/toolchain/toolchain';
import { loadModel } from '../../../src/model';
import type { Model } from '../../../src/model/types';
import type { SecretSource } from '../../../src/secrets';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');
const PLANS = path.join(REPO_ROOT, 'test', 'fixtures', 'plans');

// `apply` sleeps so that parallel applies overlap; the state file it writes is what a local backend would write.
const FAKE_TERRAFORM = `#!/usr/bin/env bash
stack="$(basename "$PWD")"
echo "$stack $1 start" >> "$FAKE_TF_LOG"
case "$1" in
  plan) echo "$stack $1 end" >> "$FAKE_TF_LOG"; if [ -f fake-plan.json ]; then exit 2; else exit 0; fi ;;
  show) cat fake-plan.json ;;
  apply)
    if [ -f fail-apply ]; then echo "$stack $1 end" >> "$FAKE_TF_LOG"; echo "Error: topic config rejected" >&2; exit 1; fi
    sleep 0.3
    n=$(cat "$KAFKA_TENANCY_STATE_DIR/$stack.serial" 2>/dev/null || echo 0); n=$((n + 1))
    echo "$n" > "$KAFKA_TENANCY_STATE_DIR/$stack.serial"
    echo "{\\"version\\": 4, \\"serial\\": $n, \\"lineage\\": \\"lineage-$stack\\", \\"resources\\": []}" \\
      > "$KAFKA_TENANCY_STATE_DIR/$stack.tfstate" ;;
esac
echo "$stack $1 end" >> "$FAKE_TF_LOG"
exit 0
`;

const TENANTS = ['acme', 'globex', 'initech'];
const tenantYaml = (id: string) => `id: ${id}
owner: team-${id}
contact: ${id}@example.com
tier: topic-per-tenant
classification: internal
topics:
  - name: orders
    partitions: 3
applications:
  - name: app
    produces: [orders]
`;

const noSecrets: SecretSource = {
  get: () => undefined,
  getOrCreate: (name) => {
    throw new Error(`no secret expected, asked for ${name}`);
  },
};

describe('deploy: parallel and incremental', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-deploy-parallel-'));
  const log = path.join(work, 'terraform.log');
  const outdir = path.join(work, 'out');
  const state = path.join(work, 'state');
  const previous = { state: process.env.KAFKA_TENANCY_STATE_DIR, log: process.env.FAKE_TF_LOG };
  const cli: TerraformCli = { bin: path.join(work, 'terraform'), flavour: 'terraform', version: '1.11.4' };
  const stacks = ['platform', ...TENANTS];
  let model: Model;

  /** Synthesized output: every stack with a plan with changes (an update: no new tenant, nothing deleted). */
  const synth = () => {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.mkdirSync(outdir, { recursive: true });
    fs.writeFileSync(
      path.join(outdir, 'manifest.json'),
      JSON.stringify({ stacks: Object.fromEntries(stacks.map((s) => [s, {}])) }),
    );
    const plan = fs.readFileSync(path.join(PLANS, 'quota-raise.json'), 'utf8');
    for (const s of stacks) {
      const dir = path.join(outdir, 'stacks', s);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ variable: {}, output: { stack: s } }));
      fs.writeFileSync(path.join(dir, 'fake-plan.json'), plan);
    }
  };
  const run = (over: Partial<DeployOptions> = {}) => {
    fs.rmSync(log, { force: true });
    return deploy({ model, outdir, cli, secrets: noSecrets, liveTopics: async () => [], ...over });
  };
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  const started = (cmd: string) =>
    calls()
      .filter((c) => c.endsWith(`${cmd} start`))
      .map((c) => c.split(' ')[0]);
  /** Most `cmd` calls running at once, from the order of start and end lines. */
  const peak = (cmd: string) => {
    let now = 0;
    let max = 0;
    for (const c of calls().filter((x) => x.includes(` ${cmd} `))) {
      now += c.endsWith('start') ? 1 : -1;
      max = Math.max(max, now);
    }
    return max;
  };
  const outcomes = (res: ReadonlyArray<{ stack: string; outcome: string }>) =>
    res.map((r) => `${r.stack} ${r.outcome}`);

  beforeAll(() => {
    fs.writeFileSync(cli.bin, FAKE_TERRAFORM, { mode: 0o755 });
    fs.mkdirSync(state, { recursive: true });
    process.env.KAFKA_TENANCY_STATE_DIR = state;
    process.env.FAKE_TF_LOG = log;
    const root = path.join(work, 'project');
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
    for (const t of TENANTS) fs.writeFileSync(path.join(root, 'tenants', `${t}.yaml`), tenantYaml(t));
    model = loadModel({ env: 'local', root });
  });
  beforeEach(() => {
    fs.rmSync(state, { recursive: true, force: true });
    fs.mkdirSync(state, { recursive: true });
    synth();
  });
  afterAll(() => {
    for (const [k, v] of [
      ['KAFKA_TENANCY_STATE_DIR', previous.state],
      ['FAKE_TF_LOG', previous.log],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('plans everything before the first apply, applies the platform alone first, then tenants N at a time', async () => {
    const res = await run({ parallelism: 2 });
    expect(outcomes(res)).toEqual(stacks.map((s) => `${s} applied`));
    const all = calls();
    const firstApply = all.findIndex((c) => c.includes(' apply '));
    expect(all.slice(firstApply).filter((c) => / (init|plan|show) /.test(c))).toEqual([]);
    const applies = all.filter((c) => c.includes(' apply '));
    expect(applies.slice(0, 2)).toEqual(['platform apply start', 'platform apply end']);
    expect(peak('apply')).toBe(2);
    expect(peak('plan')).toBeLessThanOrEqual(2);
  });

  it('records each successful apply, then skips every unchanged stack without running terraform', async () => {
    await run({ parallelism: 3, incremental: true });
    for (const s of stacks) expect(readAppliedRecord(model.env, s)?.state?.lineage).toBe(`lineage-${s}`);
    const res = await run({ parallelism: 3, incremental: true });
    expect(outcomes(res)).toEqual(stacks.map((s) => `${s} unchanged`));
    expect(res.every((r) => r.durationMs === 0 && r.changes.added + r.changes.destroyed === 0)).toBe(true);
    expect(calls()).toEqual([]);
  });

  it('plans and applies only the stack whose configuration changed', async () => {
    await run({ parallelism: 3, incremental: true });
    const file = path.join(outdir, 'stacks', 'globex', 'cdk.tf.json');
    fs.writeFileSync(file, JSON.stringify({ variable: {}, output: { stack: 'globex', more: true } }));
    const res = await run({ parallelism: 3, incremental: true });
    expect(outcomes(res)).toEqual(['platform unchanged', 'acme unchanged', 'globex applied', 'initech unchanged']);
    expect(new Set(calls().map((c) => c.split(' ')[0]))).toEqual(new Set(['globex']));
  });

  it('plans every stack without incremental (deploy --refresh), and records a no-change plan', async () => {
    await run({ parallelism: 3, incremental: true });
    for (const s of stacks) fs.rmSync(path.join(outdir, 'stacks', s, 'fake-plan.json'));
    fs.rmSync(appliedRecordFile(model.env, 'acme'));
    const res = await run({ parallelism: 3 });
    expect(outcomes(res)).toEqual(stacks.map((s) => `${s} no-changes`));
    expect(started('plan').sort()).toEqual([...stacks].sort());
    expect(readAppliedRecord(model.env, 'acme')).toBeDefined();
  });

  it('plans a stack whose state changed since its record (applied elsewhere, decommissioned, reset)', async () => {
    await run({ parallelism: 3, incremental: true });
    fs.writeFileSync(
      path.join(state, 'initech.tfstate'),
      JSON.stringify({ version: 4, serial: 99, lineage: 'lineage-initech', resources: [] }),
    );
    fs.rmSync(path.join(state, 'acme.tfstate'));
    const res = await run({ parallelism: 3, incremental: true });
    expect(outcomes(res)).toEqual(['platform unchanged', 'acme applied', 'globex unchanged', 'initech applied']);
  });

  it('after a failed apply starts no new one, lets running ones finish, and says what happened to each', async () => {
    fs.writeFileSync(path.join(outdir, 'stacks', 'acme', 'fail-apply'), '');
    let err: Error | undefined;
    await run({ parallelism: 2, incremental: true }).catch((e: Error) => (err = e));
    expect(err?.message).toContain('stack "acme": terraform apply failed');
    expect(err?.message).toContain(
      'deploy stopped after a failure: 1 failed (acme), 2 applied (platform, globex), 1 not started (initech); 0 had nothing to apply',
    );
    expect(started('apply')[0]).toBe('platform');
    expect(started('apply').sort()).toEqual(['acme', 'globex', 'platform']);
    expect(['platform', 'acme', 'globex', 'initech'].map((s) => readAppliedRecord(model.env, s) !== undefined)).toEqual(
      [true, false, true, false],
    );

    // The next run plans what failed or did not start, and skips the rest.
    fs.rmSync(path.join(outdir, 'stacks', 'acme', 'fail-apply'));
    const res = await run({ parallelism: 2, incremental: true });
    expect(outcomes(res)).toEqual(['platform unchanged', 'acme applied', 'globex unchanged', 'initech applied']);
  });

  it('starts no tenant apply when the platform apply fails', async () => {
    fs.writeFileSync(path.join(outdir, 'stacks', 'platform', 'fail-apply'), '');
    let err: Error | undefined;
    await run({ parallelism: 3 }).catch((e: Error) => (err = e));
    expect(err?.message).toContain('0 applied, 3 not started (acme, globex, initech)');
    expect(started('apply')).toEqual(['platform']);
  });
});
