/** `--json`: one document on stdout, diagnostics on stderr, the usual exit codes. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../support/cli';
import { formatProblem, type Problem } from '../../../src/errors';
import { deployDocument, jsonDocument, planDocument, validateDocument } from '../../../src/cli/output';
import { NO_CHANGES, type StackDeployResult } from '../../../src/pipeline/deploy';
import type { StackPlanResult } from '../../../src/pipeline/plan';
import { INVALID_DIR, makeRoot, VALID_DIR } from '../model/helpers';

const PLANS = path.join(__dirname, '../../fixtures/plans');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-cli-json-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** stdout parsed as the one JSON document it must be (fails the test on anything else). */
const doc = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;

describe('jsonDocument', () => {
  it('sorts the keys of every object, so the document does not depend on construction order', () => {
    expect(jsonDocument({ b: 1, a: [{ d: 1, c: 2 }] })).toBe(
      '{\n  "a": [\n    {\n      "c": 2,\n      "d": 1\n    }\n  ],\n  "b": 1\n}\n',
    );
  });
});

describe('validate --json', () => {
  it('prints ok, the tenants checked and no problems for a valid fleet (exit 0)', async () => {
    const root = makeRoot({}, { neighbours: true });
    const res = await runCli('validate', '--root', root, '--env', 'test', '--json');
    expect(res.code).toBe(0);
    expect(doc(res.stdout)).toEqual({
      ok: true,
      env: 'test',
      tenants: ['alpha', 'beta', 'delta', 'gamma'],
      problems: [],
      // the fixture's clusters are SASL_PLAINTEXT on network names: allowed, with a warning each
      warnings: ['shared', 'shared-eu', 'dedicated', 'dedicated-2'].map((c) =>
        expect.objectContaining({ code: 'plaintext_network', path: `clusters.${c}.bootstrapServers[0]` }),
      ),
    });
    expect(res.stderr.split('\n').filter((l) => !l.startsWith('warning: '))).toEqual([
      '4 tenant(s) valid for environment "test"',
      '',
    ]);
  });

  it('prints every problem with file, path, code and message for an invalid fixture (exit 1, lines on stderr)', async () => {
    const text = fs.readFileSync(path.join(INVALID_DIR, 'many-problems.yaml'), 'utf8');
    const root = makeRoot({ 'many-problems.yaml': text }, { neighbours: true });
    const res = await runCli('validate', '--root', root, '--env', 'test', '--json');
    expect(res.code).toBe(1);
    const d = doc(res.stdout);
    const expected = fs.readFileSync(path.join(INVALID_DIR, 'many-problems.expected.txt'), 'utf8').trim().split('\n');
    expect(d).toMatchObject({ ok: false, env: 'test', tenants: null });
    const problems = d.problems as Problem[];
    // The problems themselves, not text: rendered, they are the golden file's lines.
    expect(problems.map(formatProblem).sort()).toEqual([...expected].sort());
    for (const p of problems) expect(p.code).toMatch(/^[a-z_]+$/);
    // Positions, when the model knows them, travel with each problem.
    for (const p of problems as Array<{ line?: unknown; col?: unknown }>) {
      if (p.line !== undefined) expect([typeof p.line, typeof p.col]).toEqual(['number', 'number']);
    }
    expect(res.stderr).toContain(problems[0].message);
    expect(res.stderr).toContain(`${expected.length} problem(s)`);
  });

  it('builds the same document shape whatever the outcome', () => {
    const problem = { file: 'tenants/a.yaml', path: 'id', code: 'too_small', message: 'm' };
    expect(Object.keys(validateDocument('local', ['a'], [])).sort()).toEqual(
      Object.keys(validateDocument('local', null, [problem])).sort(),
    );
  });
});

describe('synth --json and --out', () => {
  it('creates a missing parent folder and prints the stacks and files as the only stdout', async () => {
    const root = makeRoot({}, { neighbours: true });
    const out = path.join(work, 'missing', 'parent', 'cdktf.out');
    const res = await runCli('synth', '--root', root, '--env', 'test', '--out', out, '--json');
    expect(res.code).toBe(0);
    const d = doc(res.stdout);
    expect(d).toMatchObject({
      outdir: out,
      stacks: ['platform', 'alpha', 'beta', 'delta', 'gamma'],
      partitionMapFile: path.join(out, 'partition-map.json'),
    });
    expect(fs.existsSync(path.join(out, 'manifest.json'))).toBe(true);
    expect(res.stderr).toMatch(/^synthesized 5 stacks into /);
  }, 60_000);
});

describe('affected --json', () => {
  it('prints the stacks a change touches and the removal verdict as one document', async () => {
    const root = makeRoot({}, { neighbours: true });
    const git = (...args: string[]) => {
      const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    };
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    fs.rmSync(path.join(root, 'tenants', 'gamma.yaml'));
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    fs.copyFileSync(path.join(VALID_DIR, 'gamma.yaml'), path.join(root, 'tenants', 'gamma.yaml'));
    git('add', '-A');
    git('commit', '-q', '-m', 'gamma');
    const res = await runCli('affected', '--root', root, '--env', 'test', '--base', 'HEAD~1', '--json');
    expect(res.code).toBe(0);
    const d = doc(res.stdout);
    expect(d).toMatchObject({
      base: 'HEAD~1',
      changedFiles: ['tenants/gamma.yaml'],
      stacks: [{ stack: 'gamma', status: 'added' }],
      removal: { problems: [] },
    });
    expect(res.stderr).toMatch(/1 stack\(s\) affected since HEAD~1/);
  }, 60_000);
});

describe('plan-review --json', () => {
  it('prints the review as the only stdout', async () => {
    const file = path.join(work, 'alpha.plan.json');
    fs.copyFileSync(path.join(PLANS, 'quota-raise.json'), file);
    const root = makeRoot({}, { neighbours: true });
    const res = await runCli('plan-review', file, '--root', root, '--env', 'test', '--json');
    expect(doc(res.stdout)).toEqual(expect.any(Object));
    expect(res.stderr).toMatch(/^reviewed 1 plan\(s\)/);
  });
});

describe('deployDocument (deploy --json)', () => {
  const result = (stack: string, changes: Partial<typeof NO_CHANGES>): StackDeployResult => ({
    stack,
    outcome: Object.keys(changes).length ? 'applied' : 'no-changes',
    changes: { ...NO_CHANGES, ...changes },
    durationMs: 1000,
  });

  it('lists each stack with its counts and totals them', () => {
    const d = deployDocument({
      env: 'local',
      results: [result('platform', {}), result('acme', { added: 2, destroyed: 1 }), result('globex', { changed: 1 })],
      tool: 'terraform 1.11.4',
      durationMs: 5000,
    });
    expect(d.ok).toBe(true);
    expect(d.total).toEqual({ imported: 0, added: 2, changed: 1, destroyed: 1, forgotten: 0 });
    expect(d.stacks.map((s) => [s.stack, s.outcome])).toEqual([
      ['platform', 'no-changes'],
      ['acme', 'applied'],
      ['globex', 'applied'],
    ]);
  });

  it('carries the problems of a refused run, with nothing applied', () => {
    const problem = { file: 'tenants/acme.yaml', path: 'topics', code: 'topic_removed', message: 'm' };
    const d = deployDocument({ env: 'local', results: [], problems: [problem] });
    expect(d).toMatchObject({ ok: false, stacks: [], problems: [problem], total: NO_CHANGES });
  });
});

describe('planDocument (plan --json)', () => {
  it('lists each stack and totals the counts', () => {
    const r = (stack: string, add: number, remove: number): StackPlanResult => ({
      stack,
      outcome: add || remove ? 'changes' : 'no-changes',
      planFile: `plans/${stack}.tfplan`,
      jsonFile: `plans/${stack}.plan.json`,
      add,
      change: 0,
      replace: 0,
      remove,
      durationMs: 10,
    });
    const d = planDocument('/tmp/plans', [r('acme', 3, 0), r('globex', 1, 2)]);
    expect(d.total).toEqual({ add: 4, change: 0, replace: 0, remove: 2 });
    expect(d.stacks.map((s) => s.stack)).toEqual(['acme', 'globex']);
    expect(d.plansDir).toBe('/tmp/plans');
    expect(d.ok).toBe(true);
  });

  it('plan: a refusal before any plan is a document with ok false, no stacks and the problems', () => {
    const problem = {
      file: 'tenants/acme.yaml',
      path: 'topics[0].partitions',
      code: 'partition_decrease',
      message: 'm',
    };
    const d = planDocument('/tmp/plans', [], [problem]);
    expect(d).toMatchObject({ ok: false, stacks: [], problems: [problem] });
  });
});
