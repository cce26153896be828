/**
 * One batch of stacks synthesized in its own node process (see `synthesize`): a process's cdktf token map keeps
 * every token it ever made, and each token keeps its stack alive, so only a process that ends gives the memory back.
 *
 * stdin: `WorkerInput` as JSON. stdout: `WorkerOutput` as JSON. Exit 1 with `error` set when the batch fails.
 */
import * as fs from 'node:fs';
import { App } from 'cdktf';
import type { Model } from '../model/types';
import { buildStacks } from './app';

export interface WorkerInput {
  readonly outdir: string;
  /** The parts of the model buildStacks reads, with only this batch's tenants. */
  readonly model: Pick<Model, 'env' | 'platform' | 'tenants'>;
  readonly stacks: readonly string[];
}

export interface WorkerOutput {
  /** This batch's entries of cdktf's manifest. */
  readonly manifest?: App['manifest']['stacks'];
  readonly error?: string;
  /** User + system CPU seconds and peak RSS of the worker process. */
  readonly cpuS: number;
  readonly rssMiB: number;
}

function main(): void {
  let out: Omit<WorkerOutput, 'cpuS' | 'rssMiB'>;
  try {
    const input = JSON.parse(fs.readFileSync(0, 'utf8')) as WorkerInput;
    const app = new App({ outdir: input.outdir, skipValidation: false });
    buildStacks(app, input.model as Model, input.stacks);
    app.synth();
    out = { manifest: app.manifest.stacks };
  } catch (err) {
    out = { error: err instanceof Error ? err.message : String(err) };
  }
  const cpu = process.cpuUsage();
  const result: WorkerOutput = {
    ...out,
    cpuS: (cpu.user + cpu.system) / 1e6,
    rssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result));
  process.exitCode = out.error ? 1 : 0;
}

if (require.main === module) main();
