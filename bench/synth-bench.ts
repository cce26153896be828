/**
 * Synth benchmark (a script, not a test): time and heap to validate + synthesize fleets of growing size,
 * printed as ratios per tenant against the example fleet measured in the same run.
 *
 *   npm run build && node dist/bench/synth-bench.js [sizes…]     (default sizes: 50 200)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadModel, projectRoot } from '../src/model';
import { synthesize } from '../src/stacks/synth';

function generatedFleet(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kt-bench-${n}-`));
  for (let i = 0; i < n; i++) {
    const id = `tenant-${String(i).padStart(4, '0')}`;
    const doc = {
      id,
      owner: `team-${i}`,
      contact: `oncall-${i}@example.com`,
      tier: 'topic-per-tenant',
      classification: 'internal',
      topics: ['orders', 'payments', 'audit'].map((name) => ({ name, partitions: 3 })),
      applications: [
        { name: 'writer', produces: ['orders', 'payments', 'audit'] },
        { name: 'reader', consumes: ['orders', 'payments'], groups: ['reader'] },
      ],
    };
    fs.writeFileSync(path.join(dir, `${id}.yaml`), stringify(doc));
  }
  return dir;
}

function measure(
  label: string,
  tenantsDir: string,
): { label: string; tenants: number; ms: number; heapMb: number; acls: number } {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const model = loadModel({ env: 'local', tenantsDir });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bench-out-'));
  synthesize(model, out);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1048576;
  fs.rmSync(out, { recursive: true, force: true });
  const acls = model.tenants.reduce((n, t) => n + t.principals.reduce((m, p) => m + p.acls.length, 0), 0);
  return { label, tenants: model.tenants.length, ms, heapMb, acls };
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const runs = [measure('example fleet (baseline)', path.join(projectRoot(), 'tenants'))];
for (const n of sizes.length ? sizes : [50, 200]) {
  const dir = generatedFleet(n);
  runs.push(measure(`${n} generated tenants`, dir));
  fs.rmSync(dir, { recursive: true, force: true });
}
const base = runs[0].ms / runs[0].tenants;
console.log('fleet                          tenants   ACLs    synth ms   ms/tenant   ratio vs baseline   heap Δ MB');
for (const r of runs) {
  const per = r.ms / r.tenants;
  console.log(
    `${r.label.padEnd(30)} ${String(r.tenants).padStart(7)} ${String(r.acls).padStart(6)} ${r.ms.toFixed(0).padStart(11)} ${per.toFixed(1).padStart(11)} ${(per / base).toFixed(2).padStart(19)} ${r.heapMb.toFixed(1).padStart(11)}`,
  );
}
