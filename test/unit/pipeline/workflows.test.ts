/**
 * The example GitHub workflows carry the pipeline's security and delivery rules; nothing runs them locally, so
 * actionlint (built by scripts/actionlint.sh) checks them as GitHub would, and their shape is checked here: the
 * pull-request job builds the tool from the base branch before any pull-request file is in the tree, holds admin
 * passwords only, runs in an environment and keeps one sticky comment; no workflow re-implements the secret
 * variable names; main deploys everything since the last successful deploy (a tag, never github.event.before),
 * one run per environment at a time, and verifies and keeps the JUnit whatever the deploy did.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly environment?: string;
  readonly needs?: string;
  readonly permissions?: Record<string, string>;
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly on: Record<string, { paths?: string[] }>;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const ROOT = path.join(__dirname, '..', '..', '..');
const DIR = path.join(ROOT, '.github', 'workflows');
const FILES = fs.readdirSync(DIR).filter((x) => x.endsWith('.yml'));
const text = (f: string) => fs.readFileSync(path.join(DIR, f), 'utf8');
const workflow = (f: string) => parse(text(f)) as Workflow;
const index = (steps: readonly Step[], pred: (s: Step) => boolean) => steps.findIndex(pred);

describe('example workflows', () => {
  it('never re-implement the secret variable names: they come from "kafka-tenancy secrets export-env"', () => {
    for (const f of FILES) {
      const steps = Object.values(workflow(f).jobs).flatMap((j) => j.steps);
      for (const s of steps.filter(
        (x) => x.run?.includes('GITHUB_ENV') && JSON.stringify(x.env ?? {}).includes('secrets.'),
      )) {
        expect(s.run).toContain('secrets export-env');
        expect(s.run).not.toMatch(/KAFKA_TENANCY_SECRET_\\?\(|gsub|ascii_upcase/);
      }
    }
  });

  it('grant no permission at the top and say per job exactly what each needs', () => {
    for (const f of FILES) {
      const wf = workflow(f);
      expect([f, wf.permissions]).toEqual([f, {}]);
      for (const [name, job] of Object.entries(wf.jobs))
        expect([f, name, job.permissions]).toEqual([f, name, expect.any(Object)]);
    }
  });

  it('restore ~/.cache/kafka-tenancy before building, keyed by the files that pin the toolchain versions', () => {
    for (const f of FILES) {
      for (const job of Object.values(workflow(f).jobs).filter((j) =>
        j.steps.some((s) => /npm ci/.test(s.run ?? '')),
      )) {
        const cache = index(job.steps, (s) => s.uses?.startsWith('actions/cache@') ?? false);
        expect(cache).toBeGreaterThan(0);
        expect(cache).toBeLessThan(index(job.steps, (s) => /npm ci/.test(s.run ?? '')));
        const { path: cached, key } = job.steps[cache].with as { path: string; key: string };
        expect(cached.split('\n')[0]).toBe('~/.cache/kafka-tenancy');
        expect(key).toContain("hashFiles('src/toolchain/versions.ts', 'src/toolchain/toolchain.ts'");
        expect(key).toContain('${{ env.GO_VERSION }}');
      }
    }
  });

  describe('pull-request', () => {
    const wf = workflow('pull-request.yml');
    const plan = wf.jobs.plan;

    it('builds the tool from the base branch before taking only tenants/ and environments/ from the pull request', () => {
      expect(plan.steps[0].uses).toMatch(/^actions\/checkout@/);
      expect(plan.steps[0].with?.ref).toBe('${{ github.event.pull_request.base.sha }}');
      const build = index(plan.steps, (s) => /npm ci/.test(s.run ?? ''));
      const take = index(plan.steps, (s) => /refs\/pull\//.test(s.run ?? ''));
      expect(build).toBeGreaterThan(0);
      expect(take).toBeGreaterThan(build);
      expect(plan.steps[take].run).toMatch(/git checkout \S+ -- tenants environments/);
      expect(plan.steps.filter((s) => s.uses?.startsWith('actions/checkout@'))).toHaveLength(1);
      // code-only changes would be planned with the base code anyway: they do not trigger the job
      expect(wf.on.pull_request.paths).toEqual(['tenants/**', 'environments/**']);
    });

    it('holds the planner password only (plan logs in as the read-only planner), in a protected environment', () => {
      const all = JSON.stringify(wf.jobs);
      expect(all).not.toMatch(/secrets\.KAFKA_TENANCY_SECRETS\b(?!_)/);
      const secretSteps = plan.steps.filter((s) => JSON.stringify(s.env ?? {}).includes('secrets.'));
      expect(secretSteps).toHaveLength(1);
      expect(secretSteps[0].run).toContain('secrets export-env --only scram/platform-planner --only tlsca/');
      expect(secretSteps[0].run).not.toContain('admin/');
      expect(plan.environment).toBe('${{ needs.scope.outputs.environment }}');
      expect(JSON.stringify(wf.jobs.scope)).not.toContain('secrets.');
    });
    it('keeps one review comment per pull request, found by a hidden marker and edited in place', () => {
      const comment = plan.steps.find((s) => /comments/.test(s.run ?? ''));
      expect(comment?.if).toMatch(/^always\(\)/);
      expect(comment?.run).toContain("marker='<!-- kafka-tenancy:plan-review -->'");
      expect(comment?.run).toMatch(/--method PATCH "repos\/\$REPO\/issues\/comments\/\$id"/);
      expect(comment?.run).not.toContain('--edit-last');
      expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
      expect(wf.jobs.scope.permissions).toEqual({ contents: 'read' });
    });
  });

  describe('main', () => {
    const wf = workflow('main.yml');
    const deploy = wf.jobs.deploy;
    const step = (pred: (s: Step) => boolean) => index(deploy.steps, pred);
    const affected = step((s) => / affected /.test(s.run ?? ''));
    const apply = step((s) => / deploy /.test(s.run ?? ''));
    const decommission = step((s) => / decommission "\$id" --out/.test(s.run ?? ''));
    const mark = step((s) => /git push/.test(s.run ?? ''));
    const verify = step((s) => s.name === 'Verify isolation');

    it('runs in the production environment, one run at a time per environment, never cancelling an apply', () => {
      expect(deploy.environment).toBe('production');
      expect(wf.concurrency).toEqual({ group: 'kafka-tenancy-deploy-production', 'cancel-in-progress': false });
      expect(deploy.permissions).toEqual({ contents: 'write' });
    });

    it('compares with the deployed/<env> tag, never github.event.before, and deploys everything without it', () => {
      expect(JSON.stringify(wf.jobs)).not.toContain('event.before'); // comments may explain why
      expect(wf.env?.DEPLOYED_TAG).toBe('deployed/production');
      const run = deploy.steps[affected].run ?? '';
      expect(run).toContain('git ls-remote --exit-code origin "refs/tags/$DEPLOYED_TAG"');
      expect(run).toContain('affected --base "$BASE" --json');
      expect(run).toMatch(/no \$DEPLOYED_TAG tag yet: deploying every stack/);
      expect(deploy.steps[0].with).toMatchObject({ 'fetch-depth': 0, 'fetch-tags': true });
    });

    it('deploys with the marker as --base and a lock timeout', () => {
      const run = deploy.steps[apply].run ?? '';
      expect(run).toContain('base=(--base "$BASE")');
      expect(run).toContain('deploy "${base[@]}" --lock-timeout 10m "${stacks[@]}"');
    });

    it('moves the marker only after deploy and decommission succeeded, forward only, before verifying', () => {
      expect(mark).toBeGreaterThan(apply);
      expect(mark).toBeGreaterThan(decommission);
      expect(mark).toBeLessThan(verify);
      expect(deploy.steps[mark].if).toBeUndefined();
      expect(deploy.steps[mark].run).toContain(
        'git push --force-with-lease="refs/tags/$DEPLOYED_TAG:$DEPLOYED_TAG_REF" origin "refs/tags/$DEPLOYED_TAG"',
      );
    });

    it('verifies whatever the deploy did and always keeps the JUnit report', () => {
      expect(deploy.steps[verify].if).toMatch(/^always\(\) && steps\.secrets\.outcome == 'success'/);
      expect(deploy.steps[verify].run).toMatch(
        /^node dist\/src\/cli\/index\.js verify .*--junit reports\/verify-junit\.xml/,
      );
      expect(deploy.steps[verify].run).not.toMatch(/--help|grep|warning/);
      const upload = deploy.steps.find(
        (s) => s.uses?.startsWith('actions/upload-artifact@') && s.with?.path === 'reports/verify-junit.xml',
      );
      expect(upload?.if).toBe('always()');
    });
  });
});

describe('actionlint', () => {
  // Built from the Go module proxy by scripts/actionlint.sh (scripts/test.sh runs it in its toolchain phase).
  const bin = execFileSync('bash', [path.join(ROOT, 'scripts', 'actionlint.sh'), '--print-path'], {
    encoding: 'utf8',
  }).trim();
  const lint = (args: string[], input?: string) => {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run "bash scripts/actionlint.sh" (npm test does)`);
    return spawnSync(bin, ['-no-color', ...args], { cwd: ROOT, encoding: 'utf8', input });
  };

  it('finds nothing in the workflows (shellcheck runs on run: scripts too where it is installed)', () => {
    const res = lint(FILES.map((f) => path.join('.github', 'workflows', f)));
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('fails on a workflow GitHub would reject (negative control)', () => {
    const broken =
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with: { fetch-dept: 0 }\n';
    const res = lint(['-stdin-filename', 'broken.yml', '-'], broken);
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('input "fetch-dept" is not defined');
  });
});
