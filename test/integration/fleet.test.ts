/**
 * The example fleet (tenants/*.yaml) deploys to the real local clusters with the real terraform/tofu; a second
 * apply changes nothing; reordering every list in every tenant file changes nothing either (construct ids come
 * from names, never from list positions).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadModel, projectRoot } from '../../src/model';
import { synthesize } from '../../src/stacks/synth';
import { deploy, synthesizedStacks } from '../../src/pipeline/deploy';
import { StackRunner } from '../../src/terraform/runner';
import { LocalPlatform, requireLocalPlatform } from './support';

jest.setTimeout(300_000);

function reverseLists(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseLists).reverse();
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).reverse();
    return Object.fromEntries(entries.map(([k, x]) => [k, reverseLists(x)]));
  }
  return v;
}

describe('example fleet on the local clusters', () => {
  let platform: LocalPlatform;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-fleet-'));

  beforeAll(async () => {
    platform = await requireLocalPlatform();
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('deploys every stack, platform first', async () => {
    const model = loadModel({ env: 'local' });
    const outdir = path.join(work, 'out');
    synthesize(model, outdir);
    const results = await deploy({ model, outdir, cli: platform.cli, secrets: platform.secrets });
    expect(results.map((r) => r.stack)).toEqual(synthesizedStacks(outdir));
    expect(results[0].stack).toBe('platform');
    expect(results).toHaveLength(model.tenants.length + 1);
  });

  it('changes nothing on a second apply', async () => {
    const model = loadModel({ env: 'local' });
    const outdir = path.join(work, 'out');
    synthesize(model, outdir);
    const results = await deploy({ model, outdir, cli: platform.cli, secrets: platform.secrets });
    expect(results.filter((r) => r.outcome !== 'no-changes')).toEqual([]);
  });

  it('plans no changes when every list in every tenant file is reordered', async () => {
    const tenantsDir = path.join(work, 'tenants-reordered');
    fs.mkdirSync(tenantsDir);
    const src = path.join(projectRoot(), 'tenants');
    for (const f of fs.readdirSync(src).filter((f) => f.endsWith('.yaml'))) {
      const doc = reverseLists(parse(fs.readFileSync(path.join(src, f), 'utf8')));
      fs.writeFileSync(path.join(tenantsDir, f), stringify(doc));
    }
    const model = loadModel({ env: 'local', tenantsDir });
    const outdir = path.join(work, 'out-reordered');
    synthesize(model, outdir);
    const changed: string[] = [];
    for (const stack of synthesizedStacks(outdir)) {
      const runner = new StackRunner(path.join(outdir, 'stacks', stack), platform.cli, platform.secrets);
      await runner.init();
      if ((await runner.plan()) !== 'no-changes') changed.push(stack);
    }
    expect(changed).toEqual([]);
  });
});
