/**
 * `deploy` orchestration against a fake terraform (a shell script that logs every call and answers `plan` and
 * `show -json` from a plan fixture), so the rules are checked without clusters: every selected stack is planned
 * before anything is applied; a plan that deletes a topic nothing approves, or a new tenant whose prefix already
 * holds topics, refuses the whole deploy; `show -json` only runs for plans with changes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem, ValidationError } from '../../../src/errors';
import { deploy, preApplyProblems } from '../../../src/pipeline/deploy';
import type { TerraformCli } from '../../../src/toolchain/toolchain';
import { loadModel } from '../../../src/model';
import type { Model } from '../../../src/model/types';
import { reviewContext } from '../../../src/review';
import type { TfPlan } from '../../../src/terraform/json';
import type { SecretSource } from '../../../src/secrets';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');
const PLANS = path.join(REPO_ROOT, 'test', 'fixtures', 'plans');

const FAKE_TERRAFORM = `#!/usr/bin/env bash
echo "$(basename "$PWD") $1" >> "$FAKE_TF_LOG"
case "$1" in
  plan) if [ -f fail-plan-once ]; then rm fail-plan-once; echo "Error: kafka: broker not connected" >&2; exit 1; fi
        if [ -f fake-plan.json ]; then exit 2; else exit 0; fi ;;
  show) cat fake-plan.json ;;
  apply) if [ -f fail-apply-once ]; then rm fail-apply-once; echo "Error: kafka: broker not connected" >&2; exit 1; fi ;;
esac
exit 0
`;

const acmeYaml = (topics: string, produces: string) => `id: acme
owner: team-acme
contact: acme@example.com
tier: topic-per-tenant
classification: internal
topics:
${topics}applications:
  - name: app
    produces: [${produces}]
`;
const ORDERS2 = '  - name: orders2\n    partitions: 3\n';
const ORDERS_RETIRED = 'retiredTopics:\n  - name: orders\n    deleteData: true\n';

/** A fixture plan, with a prior state (an existing stack) unless it is a new tenant's. */
function plan(name: string, existing = true): TfPlan {
  const p = JSON.parse(fs.readFileSync(path.join(PLANS, `${name}.json`), 'utf8')) as TfPlan;
  if (!existing) return p;
  const resources = (p.resource_changes ?? [])
    .filter((c) => c.change.before)
    .map((c) => ({
      address: c.address,
      mode: 'managed',
      type: c.type,
      name: c.name,
      values: c.change.before ?? undefined,
    }));
  return { ...p, prior_state: { values: { root_module: { resources } } } };
}

const noSecrets: SecretSource = {
  get: () => undefined,
  getOrCreate: (name) => {
    throw new Error(`no secret expected, asked for ${name}`);
  },
};

describe('deploy refuses before applying anything', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-deploy-test-'));
  const log = path.join(work, 'terraform.log');
  const outdir = path.join(work, 'out');
  const previous = { state: process.env.KAFKA_TENANCY_STATE_DIR, log: process.env.FAKE_TF_LOG };
  const cli: TerraformCli = { bin: path.join(work, 'terraform'), flavour: 'terraform', version: '1.11.4' };

  const project = (name: string, tenantTopics: string, produces: string, extra = ''): Model => {
    const root = path.join(work, name);
    fs.mkdirSync(path.join(root, 'tenants'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(root, 'environments'), { recursive: true });
    fs.writeFileSync(path.join(root, 'tenants', 'acme.yaml'), acmeYaml(tenantTopics, produces) + extra);
    return loadModel({ env: 'local', root });
  };
  const head = () => project('head', ORDERS2, 'orders2');
  /** Synthesized output with `platform` and `acme`; a stack gets a plan with changes when given one. */
  const stacks = (plans: Record<string, TfPlan | undefined>) => {
    fs.rmSync(outdir, { recursive: true, force: true });
    const manifest = { stacks: { platform: {}, acme: { dependencies: ['platform'] } } };
    fs.mkdirSync(outdir, { recursive: true });
    fs.writeFileSync(path.join(outdir, 'manifest.json'), JSON.stringify(manifest));
    for (const s of ['platform', 'acme']) {
      const dir = path.join(outdir, 'stacks', s);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ variable: {} }));
      if (plans[s]) fs.writeFileSync(path.join(dir, 'fake-plan.json'), JSON.stringify(plans[s]));
    }
    fs.rmSync(log, { force: true });
  };
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  const problems = async (fn: () => Promise<unknown>): Promise<string[]> => {
    try {
      await fn();
    } catch (e) {
      if (e instanceof ValidationError) return e.problems.map(formatProblem);
      throw e;
    }
    throw new Error('expected a ValidationError');
  };

  beforeAll(() => {
    fs.writeFileSync(cli.bin, FAKE_TERRAFORM, { mode: 0o755 });
    process.env.KAFKA_TENANCY_STATE_DIR = path.join(work, 'state');
    process.env.FAKE_TF_LOG = log;
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

  it('refuses a renamed (removed) topic, naming the file, the topic and the fix; applies nothing, not even the platform', async () => {
    stacks({ platform: plan('quota-raise'), acme: plan('topic-rename') });
    const run = () => deploy({ model: head(), outdir, cli, secrets: noSecrets, liveTopics: async () => [] });
    expect(await problems(run)).toEqual([
      'tenants/acme.yaml: topic acme.orders is deleted (no longer declared in tenants/acme.yaml; renamed to acme.orders2? the provider cannot rename a topic) and nothing approves it. ' +
        'restore the topic in tenants/acme.yaml, or retire it under retiredTopics with deleteData: false (forget it, keep its records) or deleteData: true (delete it and its records)',
    ]);
    expect(calls()).toEqual(['platform init', 'platform plan', 'platform show', 'acme init', 'acme plan', 'acme show']);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'platform', 'plan.tfplan'))).toBe(false);
  });

  it('applies the removal when the tenant file retires the topic with deleteData: true, platform first', async () => {
    stacks({ platform: plan('quota-raise'), acme: plan('topic-rename') });
    const model = project('retired', ORDERS2, 'orders2', ORDERS_RETIRED);
    const res = await deploy({ model, outdir, cli, secrets: noSecrets, liveTopics: async () => [] });
    expect(res.map((r) => `${r.stack} ${r.outcome}`)).toEqual(['platform applied', 'acme applied']);
    expect(calls().filter((c) => c.endsWith('apply'))).toEqual(['platform apply', 'acme apply']);
  });

  it('plans again and applies again when the provider loses its broker connection midway', async () => {
    stacks({ platform: plan('quota-raise') });
    fs.writeFileSync(path.join(outdir, 'stacks', 'platform', 'fail-apply-once'), '');
    const res = await deploy({ model: head(), outdir, cli, secrets: noSecrets, liveTopics: async () => [] });
    expect(res.map((r) => `${r.stack} ${r.outcome}`)).toEqual(['platform applied', 'acme no-changes']);
    expect(calls().filter((c) => c.startsWith('platform'))).toEqual([
      'platform init',
      'platform plan',
      'platform show',
      'platform apply',
      'platform plan',
      'platform show',
      'platform apply',
    ]);
  }, 30_000);

  it('plans again when the provider loses its broker connection during refresh', async () => {
    stacks({});
    fs.writeFileSync(path.join(outdir, 'stacks', 'acme', 'fail-plan-once'), '');
    const res = await deploy({ model: head(), outdir, cli, secrets: noSecrets, liveTopics: async () => [] });
    expect(res.map((r) => r.outcome)).toEqual(['no-changes', 'no-changes']);
    expect(calls()).toEqual(['platform init', 'platform plan', 'acme init', 'acme plan', 'acme plan']);
  }, 30_000);

  it('runs show -json only for plans with changes (a no-change deploy stays init + plan)', async () => {
    stacks({});
    const res = await deploy({ model: head(), outdir, cli, secrets: noSecrets, liveTopics: async () => [] });
    expect(res.map((r) => r.outcome)).toEqual(['no-changes', 'no-changes']);
    expect(calls()).toEqual(['platform init', 'platform plan', 'acme init', 'acme plan']);
  });

  it('refuses a new tenant whose prefix already holds topics on its cluster, and asks only for that cluster', async () => {
    stacks({ acme: plan('new-tenant', false) });
    const asked: string[] = [];
    const liveTopics = async (cluster: string) => (
      asked.push(cluster),
      ['acme.orders', 'acmex.other', 'shared.orders.placed']
    );
    expect(await problems(() => deploy({ model: head(), outdir, cli, secrets: noSecrets, liveTopics }))).toEqual([
      'tenants/acme.yaml: id: topic acme.orders already exists on cluster shared (retained by a decommissioned tenant?); ' +
        'the grants of a new tenant "acme" on "acme." would reach their data. choose another id or delete/adopt them explicitly',
    ]);
    expect([...new Set(asked)]).toEqual(['shared']);
    expect(calls().filter((c) => c.endsWith('apply'))).toEqual([]);
  });

  it('does not list topics for a tenant that has a state, nor for a new one whose prefix is free', async () => {
    const ctx = reviewContext(head());
    const never = async (): Promise<string[]> => {
      throw new Error('must not list topics');
    };
    expect(await preApplyProblems('acme', plan('quota-raise'), ctx, head(), never)).toEqual([]);
    expect(
      await preApplyProblems('acme', plan('new-tenant', false), ctx, head(), async () => ['acmex.orders']),
    ).toEqual([]);
  });
});
