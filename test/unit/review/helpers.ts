/** Fixtures shared by the plan-review tests: the recorded plans and the tenant `acme` as the model describes it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReviewContext, StackContext, TfPlan } from '../../../src/review';

export const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'plans');

export const fixture = (name: string): TfPlan =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as TfPlan;

/** The tenant `acme` as the model would describe it; override what a test is about. */
export const acme = (over: Partial<StackContext> = {}): StackContext => ({
  stack: 'acme',
  kind: 'tenant',
  file: 'tenants/acme.yaml',
  lifecycle: 'active',
  deleteData: false,
  tier: 'topic-per-tenant',
  cluster: 'shared',
  topics: { 'acme.orders': { name: 'acme.orders', allowDataLoss: false } },
  retired: {},
  ...over,
});

export const ctxOf = (...stacks: StackContext[]): ReviewContext => ({
  stacks: Object.fromEntries(stacks.map((s) => [s.stack, s])),
});
