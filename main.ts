// The cdktf app (`cdktf synth` runs this via cdktf.json): load tenants + environment → build stacks → synth.
// `kafka-tenancy synth` does the same in-process, with validation errors formatted for humans.
import * as path from 'node:path';
import { loadModel, projectRoot } from './src/model';
import { synthesize } from './src/stacks/synth';

const model = loadModel({ env: process.env.KAFKA_TENANCY_ENV ?? 'local' });
synthesize(model, process.env.CDKTF_OUTDIR ?? path.join(projectRoot(), 'cdktf.out'));
