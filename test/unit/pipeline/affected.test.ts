import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkRemovedTenants,
  computeAffected,
  normalizeStack,
  type AffectedResult,
} from '../../../src/pipeline/affected';
import { loadModel } from '../../../src/model';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');

const tenant = (id: string, extra = '') => `id: ${id}
owner: team-${id}
contact: ${id}@example.com
tier: topic-per-tenant
classification: internal
${extra}topics:
  - name: orders
    partitions: 3
applications:
  - name: app
    produces: [orders]
`;

const sharedTenant = (id: string) => `id: ${id}
owner: team-${id}
contact: ${id}@example.com
tier: shared
classification: public
applications:
  - name: shop
    produces: [orders.placed]
`;

/** A throw-away git repository holding a project: environments/ (copied) and tenants/. */
class Project {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-affected-test-'));
  constructor() {
    fs.cpSync(path.join(REPO_ROOT, 'environments'), path.join(this.dir, 'environments'), { recursive: true });
    fs.mkdirSync(path.join(this.dir, 'tenants'));
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.email', 'test@example.com');
    this.git('config', 'user.name', 'test');
  }
  git(...args: string[]): string {
    const res = spawnSync('git', args, { cwd: this.dir, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`git ${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  }
  write(file: string, text: string): this {
    fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
    fs.writeFileSync(path.join(this.dir, file), text);
    return this;
  }
  remove(file: string): this {
    fs.rmSync(path.join(this.dir, file));
    return this;
  }
  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }
  affected(base: string): AffectedResult {
    return computeAffected({ root: this.dir, base, env: 'local' });
  }
}

const summary = (r: AffectedResult) => r.stacks.map((s) => `${s.stack}:${s.status}`);

describe('affected stacks', () => {
  let stateDir: string;
  const previous = process.env.KAFKA_TENANCY_STATE_DIR;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-affected-state-'));
    process.env.KAFKA_TENANCY_STATE_DIR = stateDir;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.KAFKA_TENANCY_STATE_DIR;
    else process.env.KAFKA_TENANCY_STATE_DIR = previous;
  });

  function project(): { p: Project; base: string } {
    const p = new Project();
    p.write('tenants/alpha.yaml', tenant('alpha')).write('tenants/bravo.yaml', tenant('bravo'));
    p.write('tenants/sharp.yaml', sharedTenant('sharp'));
    return { p, base: p.commit('base') };
  }

  it('reports only the stack of an added tenant file', () => {
    const { p, base } = project();
    p.write('tenants/charlie.yaml', tenant('charlie')).commit('add charlie');
    const r = p.affected(base);
    expect(summary(r)).toEqual(['charlie:added']);
    expect(r.changedFiles).toEqual(['tenants/charlie.yaml']);
  });

  it('reports only the stack of a changed tenant file, uncommitted changes included', () => {
    const { p } = project();
    p.write('tenants/alpha.yaml', tenant('alpha').replace('partitions: 3', 'partitions: 6'));
    expect(summary(p.affected('HEAD'))).toEqual(['alpha:changed']);
  });

  it('maps a changed tenant file to its stack from that file alone (no fleet model, no synth)', () => {
    const { p } = project();
    p.write('tenants/alpha.yaml', tenant('alpha', 'description: only words\n'));
    // A broken file elsewhere in the fleet is not read: only the changed file is.
    fs.writeFileSync(path.join(p.dir, 'tenants', 'bravo.yaml'), 'id: [');
    p.git('update-index', '--assume-unchanged', 'tenants/bravo.yaml');
    expect(p.affected('HEAD').stacks).toEqual([
      { stack: 'alpha', status: 'changed', lifecycle: 'active', reasons: ['tenants/alpha.yaml changed'] },
    ]);
  });

  it('maps an environment change to every stack whose input changes, and no other (not even the platform)', () => {
    const { p } = project();
    const env = fs.readFileSync(path.join(p.dir, 'environments', 'local.yaml'), 'utf8');
    const changed = env.replace(
      'quota: { producerByteRate: 1048576, consumerByteRate: 2097152, requestPercentage: 50 }',
      'quota: { producerByteRate: 1048576, consumerByteRate: 2097152, requestPercentage: 60 }',
    );
    expect(changed).not.toBe(env);
    p.write('environments/local.yaml', changed);
    const r = p.affected('HEAD');
    expect(summary(r)).toEqual(['alpha:changed', 'bravo:changed']);
    expect(r.stacks[0].reasons).toEqual(['its input in environments/local.yaml changed']);
  });

  it('plans every stack when synthesis code changed (the base is synthesized with the head code)', () => {
    const { p } = project();
    p.write('src/constructs/tenant-topic.ts', '// changed\n');
    const r = p.affected('HEAD');
    expect(summary(r)).toEqual(['platform:changed', 'alpha:changed', 'bravo:changed', 'sharp:changed']);
    expect(r.notes[0]).toContain('synthesis code changed (src/constructs/tenant-topic.ts)');
  });

  it('ignores changes outside tenants, environments and synthesis code', () => {
    const { p } = project();
    p.write('docs/notes.md', 'hello\n').write('src/cli/commands/extra.ts', '// cli only\n');
    expect(p.affected('HEAD').stacks).toEqual([]);
  });

  it('compares with the merge base, so commits on the base branch since the fork do not count', () => {
    const { p, base } = project();
    p.git('checkout', '-q', '-b', 'feature');
    p.write('tenants/charlie.yaml', tenant('charlie')).commit('feature: add charlie');
    p.git('checkout', '-q', 'main');
    p.write('tenants/delta.yaml', tenant('delta')).commit('main: add delta');
    p.git('checkout', '-q', 'feature');
    const r = p.affected('main');
    expect(r.mergeBase).toBe(base);
    expect(summary(r)).toEqual(['charlie:added']);
  });

  describe('removed tenant files', () => {
    it('flags the removal of an active tenant and refuses it, pointing at the decommission path', () => {
      const { p } = project();
      p.remove('tenants/bravo.yaml');
      const r = p.affected('HEAD');
      expect(summary(r)).toEqual(['bravo:removed']);
      expect(r.removal.problems).toEqual([
        expect.objectContaining({ file: 'tenants/bravo.yaml', code: 'tenant_file_removed' }),
      ]);
      expect(r.removal.problems[0].message).toContain('set "lifecycle: decommissioning"');
      expect(r.removal.problems[0].message).toContain('kafka-tenancy decommission bravo');
    });

    it('allows removing a decommissioned tenant whose state holds only retained topics', () => {
      const { p } = project();
      p.write('tenants/bravo.yaml', tenant('bravo', 'lifecycle: decommissioning\n')).commit('decommission bravo');
      fs.writeFileSync(
        path.join(stateDir, 'bravo.tfstate'),
        JSON.stringify({
          version: 4,
          resources: [
            {
              mode: 'managed',
              type: 'kafka_topic',
              name: 'bravoorders',
              instances: [{ attributes: { name: 'bravo.orders', partitions: 3 } }],
            },
          ],
        }),
      );
      p.remove('tenants/bravo.yaml');
      const r = p.affected('HEAD');
      expect(r.removal.problems).toEqual([]);
      expect(r.removal.allowed).toEqual([{ id: 'bravo', retainedTopics: ['bravo.orders'] }]);
      expect(r.stacks[0].reasons[0]).toContain('"kafka-tenancy decommission bravo --finalize"');
    });

    it('refuses removing a decommissioning tenant whose ACLs are still in its state', () => {
      const { p } = project();
      p.write('tenants/bravo.yaml', tenant('bravo', 'lifecycle: decommissioning\n')).commit('decommission bravo');
      fs.writeFileSync(
        path.join(stateDir, 'bravo.tfstate'),
        JSON.stringify({
          version: 4,
          resources: [{ mode: 'managed', type: 'kafka_acl', name: 'a', instances: [{ attributes: {} }] }],
        }),
      );
      p.remove('tenants/bravo.yaml');
      const verdict = checkRemovedTenants({
        root: p.dir,
        base: 'HEAD',
        model: loadModel({ env: 'local', root: p.dir }),
      });
      expect(verdict.problems.map((x) => x.code)).toEqual(['decommission_incomplete']);
    });
  });

  it('fails with a hint when the base ref does not exist', () => {
    const { p } = project();
    expect(() => p.affected('no-such-branch')).toThrow(/git ref "no-such-branch" not found/);
  });
});

describe('normalizeStack', () => {
  it('drops cdktf metadata and the machine-specific local state path, nothing else', () => {
    const a = {
      '//': { metadata: { version: '0.21.0' } },
      terraform: { backend: { local: { path: '../../a/x.tfstate' } } },
      resource: { kafka_topic: { t: { '//': { metadata: { path: 'x' } }, name: 'acme.orders', partitions: 3 } } },
    };
    const b = { ...a, terraform: { backend: { local: { path: '../../../b/x.tfstate' } } } };
    expect(JSON.stringify(normalizeStack(a))).toBe(JSON.stringify(normalizeStack(b)));
    expect(normalizeStack(a)).toEqual({
      terraform: { backend: { local: {} } },
      resource: { kafka_topic: { t: { name: 'acme.orders', partitions: 3 } } },
    });
  });
});
