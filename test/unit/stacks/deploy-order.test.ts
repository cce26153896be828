import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../../../src/model';
import { deployOrder, PLATFORM_STACK } from '../../../src/stacks/app';
import { synthesize } from '../../../src/stacks/synth';

describe('stack dependencies', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-deps-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const model = loadModel({ env: 'local' });
  synthesize(model, dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { dependencies?: string[] }>;
  };

  it('declares no cdktf dependency, so `cdktf deploy <tenant>` deploys that tenant alone', () => {
    const withDeps = Object.entries(manifest.stacks).filter(([, s]) => (s.dependencies ?? []).length > 0);
    expect(withDeps).toEqual([]);
  });

  it("gives no tenant stack a reference to another stack's state or outputs", () => {
    const stacks = Object.keys(manifest.stacks);
    for (const t of model.tenants) {
      const raw = fs.readFileSync(path.join(dir, 'stacks', t.id, 'cdk.tf.json'), 'utf8');
      for (const other of stacks.filter((s) => s !== t.id)) expect(raw).not.toContain(`/${other}.tfstate`);
    }
  });

  it('still orders our own runs platform first, then tenants by name', () => {
    expect(deployOrder(Object.keys(manifest.stacks))).toEqual([
      PLATFORM_STACK,
      ...model.tenants.map((t) => t.id).sort(),
    ]);
    expect(deployOrder(['zeta', 'platform', 'acme', 'acme'])).toEqual(['platform', 'acme', 'zeta']);
  });
});
