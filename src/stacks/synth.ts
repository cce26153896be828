import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import type { Model } from '../model/types';
import { buildStacks, PLATFORM_STACK } from './app';

export interface SynthResult {
  readonly outdir: string;
  /** Stack names in deploy order: platform first, then tenants by id. */
  readonly stacks: readonly string[];
  readonly partitionMapFile: string;
  readonly durationMs: number;
}

/** Name of the partition map artefact the runtime SDK loads, written beside the stacks. */
export const PARTITION_MAP_FILE = 'partition-map.json';

/**
 * Synthesize every stack (or `only` these) into `outdir` (cdktf.out by default) and write the dedicated-partition
 * map. After a full synth, stack folders of stacks that no longer exist are removed, so nothing stale can be
 * deployed; a partial synth (`plan --affected`: the stacks a change touches, nothing else) leaves other folders.
 */
export function synthesize(model: Model, outdir: string, opts: { only?: readonly string[] } = {}): SynthResult {
  const t0 = Date.now();
  const app = new App({ outdir, skipValidation: false });
  const { platform, tenants } = buildStacks(app, model, opts.only);
  app.synth();
  const stacks = [...(platform ? [PLATFORM_STACK] : []), ...tenants.map((s) => s.node.id)];
  const stacksDir = path.join(outdir, 'stacks');
  for (const dir of !opts.only && fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir) : []) {
    if (!stacks.includes(dir)) fs.rmSync(path.join(stacksDir, dir), { recursive: true, force: true });
  }
  const partitionMapFile = path.join(outdir, PARTITION_MAP_FILE);
  fs.writeFileSync(partitionMapFile, JSON.stringify(model.partitionMap, null, 2) + '\n');
  return { outdir, stacks, partitionMapFile, durationMs: Date.now() - t0 };
}
