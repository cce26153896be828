import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import type { Model } from '../model/types';
import { buildStacks, PLATFORM_STACK } from './app';
import type { WorkerInput, WorkerOutput } from './synth-worker';

export interface SynthResult {
  readonly outdir: string;
  /** Stack names in deploy order: platform first, then tenants by id. */
  readonly stacks: readonly string[];
  readonly partitionMapFile: string;
  readonly durationMs: number;
  /** CPU seconds and peak RSS of each worker process, when batches ran in their own processes. */
  readonly workers?: readonly { readonly stacks: number; readonly cpuS: number; readonly rssMiB: number }[];
}

export interface SynthOptions {
  /** Only these stacks (undefined: every stack). */
  readonly only?: readonly string[];
  /**
   * Stacks per cdktf `App`.
   * @default STACKS_PER_APP
   */
  readonly stacksPerApp?: number;
  /**
   * Synthesize each batch in its own node process (synth-worker.js), so memory stays bounded by one batch.
   * @default - when there is more than one batch and the compiled worker exists (not under ts-jest)
   */
  readonly isolate?: boolean;
}

/** Name of the partition map artefact the runtime SDK loads, written beside the stacks. */
export const PARTITION_MAP_FILE = 'partition-map.json';

/**
 * Stacks per App (and per worker process): the fixed cost of a worker (~0.3 CPU s to start node and load cdktf)
 * stays small next to 500 stacks' synth, and a worker's peak RSS stays under 200 MiB (docs/performance.md).
 */
export const STACKS_PER_APP = 500;

const WORKER = path.join(__dirname, 'synth-worker.js');
const WORKER_TIMEOUT_MS = 10 * 60_000;

/**
 * Synthesize every stack (or `only` these) into `outdir` (cdktf.out by default) and write the dedicated-partition
 * map. After a full synth, stack folders of stacks that no longer exist are removed, so nothing stale can be
 * deployed; a partial synth (`plan --affected`: the stacks a change touches, nothing else) leaves other folders.
 *
 * Stacks are synthesized in batches of `stacksPerApp`, one cdktf App per batch. No stack references another (see
 * buildStacks), so a stack's output does not depend on which App it is in. A large fleet's batches each run in
 * their own node process: cdktf's token map is process-global and keeps every token (and, through it, every
 * stack) alive until the process ends, so batches in one process would not give memory back. `manifest.json` lists
 * every synthesized stack, written by cdktf itself from the merged entries of the batches.
 */
export function synthesize(model: Model, outdir: string, opts: SynthOptions = {}): SynthResult {
  const t0 = Date.now();
  const only = opts.only ? new Set(opts.only) : undefined;
  const wanted = (stack: string) => !only || only.has(stack);
  const stacks = [
    ...(wanted(PLATFORM_STACK) ? [PLATFORM_STACK] : []),
    ...model.tenants.map((t) => t.id).filter(wanted),
  ];
  // as few batches as `stacksPerApp` allows, evened out: 1,001 stacks are 334 + 334 + 333, not 500 + 500 + 1
  const count = Math.ceil(stacks.length / Math.max(1, Math.floor(opts.stacksPerApp ?? STACKS_PER_APP)));
  const size = Math.ceil(stacks.length / Math.max(1, count));
  const batches: string[][] = [];
  for (let i = 0; i < stacks.length; i += size) batches.push(stacks.slice(i, i + size));
  const isolate = opts.isolate ?? (batches.length > 1 && fs.existsSync(WORKER));

  let workers: { stacks: number; cpuS: number; rssMiB: number }[] | undefined;
  if (isolate) {
    fs.mkdirSync(outdir, { recursive: true });
    workers = [];
    const entries: App['manifest']['stacks'] = {};
    for (const batch of batches) {
      const res = synthesizeInWorker(model, outdir, batch);
      Object.assign(entries, res.manifest);
      workers.push({ stacks: batch.length, cpuS: res.cpuS, rssMiB: res.rssMiB });
    }
    writeManifest(outdir, entries);
  } else {
    const earlier: App['manifest']['stacks'] = {};
    const all = batches.length ? batches : [[]]; // no stack: still an (empty) manifest, as one App always wrote
    all.forEach((batch, i) => {
      const app = new App({ outdir, skipValidation: false });
      const last = i === all.length - 1;
      // the last App writes the manifest: it gets the earlier batches' entries first
      if (last) Object.assign(app.manifest.stacks, earlier);
      buildStacks(app, model, batch);
      app.synth();
      if (!last) Object.assign(earlier, app.manifest.stacks);
    });
  }

  const stacksDir = path.join(outdir, 'stacks');
  const current = new Set(stacks);
  for (const dir of !only && fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir) : []) {
    if (!current.has(dir)) fs.rmSync(path.join(stacksDir, dir), { recursive: true, force: true });
  }
  const partitionMapFile = path.join(outdir, PARTITION_MAP_FILE);
  fs.writeFileSync(partitionMapFile, JSON.stringify(model.partitionMap, null, 2) + '\n');
  return { outdir, stacks, partitionMapFile, durationMs: Date.now() - t0, ...(workers ? { workers } : {}) };
}

function synthesizeInWorker(model: Model, outdir: string, batch: readonly string[]): WorkerOutput {
  const ids = new Set(batch);
  const input: WorkerInput = {
    outdir,
    model: { env: model.env, platform: model.platform, tenants: model.tenants.filter((t) => ids.has(t.id)) },
    stacks: batch,
  };
  const res = spawnSync(process.execPath, [WORKER], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['pipe', 'pipe', 'inherit'],
    // A batch of 500 stacks takes seconds; a worker that has not answered in 10 minutes never will.
    timeout: WORKER_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  let out: WorkerOutput | undefined;
  try {
    out = JSON.parse(res.stdout) as WorkerOutput;
  } catch {
    out = undefined;
  }
  if (res.status !== 0 || !out?.manifest) {
    throw new Error(
      out?.error ?? `synth worker for ${batch.length} stack(s) failed (${res.error?.message ?? `exit ${res.status}`})`,
    );
  }
  return out;
}

/** manifest.json of the given entries, in cdktf's own format (an App without stacks writes only its manifest). */
function writeManifest(outdir: string, entries: App['manifest']['stacks']): void {
  const app = new App({ outdir, skipValidation: false });
  Object.assign(app.manifest.stacks, entries);
  app.synth();
}
