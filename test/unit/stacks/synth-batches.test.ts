/**
 * `synthesize` builds the stacks in batches, one cdktf App per batch. Its output must be byte for byte what one App
 * holding every stack writes: every stack's cdk.tf.json and the manifest.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { loadModel } from '../../../src/model';
import type { Model } from '../../../src/model/types';
import { buildStacks } from '../../../src/stacks/app';
import { synthesize } from '../../../src/stacks/synth';

/** The reference: one App with every (or `only` these) stack, as synth was before batches. */
function synthesizeWithOneApp(model: Model, outdir: string, only?: readonly string[]): void {
  const app = new App({ outdir, skipValidation: false });
  buildStacks(app, model, only);
  app.synth();
}

/** Every file under `dir` (relative path → content). */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (sub: string) => {
    for (const e of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, e.name);
      if (e.isDirectory()) walk(rel);
      else out.set(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
    }
  };
  walk('');
  return out;
}

describe('synthesize in batches of stacks', () => {
  const model = loadModel({ env: 'local' });
  // siblings, so the relative local-state paths in the stacks are the same on both sides
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-synth-batches-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const compare = (name: string, only: readonly string[] | undefined, stacksPerApp: number) => {
    const ref = path.join(work, `${name}-ref`);
    const out = path.join(work, `${name}-out`);
    synthesizeWithOneApp(model, ref, only);
    const res = synthesize(model, out, { only, stacksPerApp });
    const expected = files(ref);
    const actual = files(out);
    actual.delete('partition-map.json'); // written by synthesize beside cdktf's output, not by the App
    return { expected, actual, res };
  };

  it('writes every stack and the manifest exactly as one App does, whatever the batch size', () => {
    for (const stacksPerApp of [1, 3, 100]) {
      const { expected, actual } = compare(`all-${stacksPerApp}`, undefined, stacksPerApp);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [file, text] of expected) expect({ file, text: actual.get(file) }).toEqual({ file, text });
    }
  });

  it('lists every stack of the fleet in the manifest, platform included', () => {
    const { actual } = compare('manifest', undefined, 2);
    const manifest = JSON.parse(actual.get('manifest.json')!) as { stacks: Record<string, unknown> };
    expect(Object.keys(manifest.stacks).sort()).toEqual(['platform', ...model.tenants.map((t) => t.id)].sort());
  });

  it('writes only the selected stacks, and a manifest of those, for a partial synth', () => {
    const only = [model.tenants[0].id, model.tenants[model.tenants.length - 1].id, 'platform'];
    const { expected, actual, res } = compare('only', only, 1);
    expect(res.stacks).toEqual(['platform', model.tenants[0].id, model.tenants[model.tenants.length - 1].id]);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) expect({ file, text: actual.get(file) }).toEqual({ file, text });
  });

  it('writes an empty manifest when no stack is selected', () => {
    const { expected, actual, res } = compare('none', [], 10);
    expect(res.stacks).toEqual([]);
    expect(actual.get('manifest.json')).toBe(expected.get('manifest.json'));
  });
});
