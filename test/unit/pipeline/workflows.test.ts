/**
 * The example GitHub workflows carry the pipeline's security rules; their shape is checked here because nothing
 * runs them locally: the pull-request job builds the tool from the base branch before any pull-request file is in
 * the tree, holds admin passwords only and runs in an environment; no workflow re-implements the secret variable
 * names; main verifies unconditionally and deploys with --base.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly environment?: string;
  readonly needs?: string;
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly on: Record<string, { paths?: string[] }>;
  readonly jobs: Record<string, Job>;
}

const DIR = path.join(__dirname, '..', '..', '..', '.github', 'workflows');
const text = (f: string) => fs.readFileSync(path.join(DIR, f), 'utf8');
const workflow = (f: string) => parse(text(f)) as Workflow;
const index = (steps: readonly Step[], pred: (s: Step) => boolean) => steps.findIndex(pred);

describe('example workflows', () => {
  it('never re-implement the secret variable names: they come from "kafka-tenancy secrets export-env"', () => {
    for (const f of fs.readdirSync(DIR).filter((x) => x.endsWith('.yml'))) {
      const steps = Object.values(workflow(f).jobs).flatMap((j) => j.steps);
      for (const s of steps.filter(
        (x) => x.run?.includes('GITHUB_ENV') && JSON.stringify(x.env ?? {}).includes('secrets.'),
      )) {
        expect(s.run).toContain('secrets export-env');
        expect(s.run).not.toMatch(/KAFKA_TENANCY_SECRET_\\?\(|gsub|ascii_upcase/);
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

    it('holds admin passwords only (plan feeds placeholders for SCRAM passwords), in a protected environment', () => {
      const all = JSON.stringify(wf.jobs);
      expect(all).not.toMatch(/secrets\.KAFKA_TENANCY_SECRETS\b(?!_)/);
      const secretSteps = plan.steps.filter((s) => JSON.stringify(s.env ?? {}).includes('secrets.'));
      expect(secretSteps).toHaveLength(1);
      expect(secretSteps[0].run).toContain('secrets export-env --only admin/');
      expect(plan.environment).toBe('${{ needs.scope.outputs.environment }}');
      expect(JSON.stringify(wf.jobs.scope)).not.toContain('secrets.');
    });
  });

  describe('main', () => {
    const deploy = workflow('main.yml').jobs.deploy;

    it('runs in the production environment, deploys with --base, and verifies unconditionally', () => {
      expect(deploy.environment).toBe('production');
      expect(deploy.steps.find((s) => / deploy /.test(s.run ?? ''))?.run).toContain('deploy --base "$BEFORE"');
      const verify = deploy.steps.find((s) => s.name === 'Verify isolation');
      expect(verify?.run).toMatch(/^node dist\/src\/cli\/index\.js verify /);
      expect(verify?.run).not.toMatch(/--help|grep|warning/);
    });
  });
});
