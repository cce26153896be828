/** The deploy summary: Terraform's "N added, N changed, N destroyed", counted from the reviewed plan JSON. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  describeChangeCounts,
  NO_CHANGES,
  planChangeCounts,
  totalChangeCounts,
  type StackDeployResult,
} from '../../../src/pipeline/deploy';
import type { TfPlan, TfResourceChange } from '../../../src/terraform/json';

const PLANS = path.join(__dirname, '../../fixtures/plans');
const plan = (name: string): TfPlan => JSON.parse(fs.readFileSync(path.join(PLANS, `${name}.json`), 'utf8')) as TfPlan;

const rc = (address: string, actions: TfResourceChange['change']['actions'], extra = {}): TfResourceChange => ({
  address,
  type: address.split('.')[0],
  name: address.split('.')[1],
  change: { actions, before: null, after: null, ...extra },
});

describe('planChangeCounts', () => {
  it('counts every created resource of a new tenant as added', () => {
    expect(planChangeCounts(plan('new-tenant'))).toEqual({ ...NO_CHANGES, added: 7 });
  });

  it('counts a replacement as one added and one destroyed, like terraform', () => {
    expect(planChangeCounts(plan('partition-decrease'))).toEqual({ ...NO_CHANGES, added: 1, destroyed: 1 });
  });

  it('counts updates as changed and ignores no-ops', () => {
    expect(planChangeCounts(plan('partition-increase'))).toEqual({ ...NO_CHANGES, changed: 1 });
  });

  it('counts deletions as destroyed', () => {
    expect(planChangeCounts(plan('decommission'))).toEqual({ ...NO_CHANGES, destroyed: 6 });
  });

  it('counts a forgotten resource (removed block, destroy = false) apart, never as destroyed', () => {
    const p: TfPlan = { resource_changes: [rc('kafka_topic.old', ['forget']), rc('kafka_acl.a', ['delete'])] };
    expect(planChangeCounts(p)).toEqual({ ...NO_CHANGES, destroyed: 1, forgotten: 1 });
  });

  it('counts adopted resources (import blocks) as imported, and skips data sources', () => {
    const p: TfPlan = {
      resource_changes: [
        rc('kafka_topic.adopted', ['no-op'], { importing: { id: 'acme.orders' } }),
        { ...rc('terraform_remote_state.ledger', ['read']), mode: 'data' },
      ],
    };
    expect(planChangeCounts(p)).toEqual({ ...NO_CHANGES, imported: 1 });
  });
});

describe('describeChangeCounts', () => {
  it('reads like terraform, naming imported and forgotten only when there are any', () => {
    expect(describeChangeCounts({ ...NO_CHANGES, added: 2, changed: 1 })).toBe('2 added, 1 changed, 0 destroyed');
    expect(describeChangeCounts({ ...NO_CHANGES, imported: 1, destroyed: 1, forgotten: 3 })).toBe(
      '1 imported, 0 added, 0 changed, 1 destroyed, 3 forgotten',
    );
  });
});

describe('totalChangeCounts', () => {
  it('adds the counts of every stack', () => {
    const r = (stack: string, added: number, destroyed: number): StackDeployResult => ({
      stack,
      outcome: 'applied',
      changes: { ...NO_CHANGES, added, destroyed },
      durationMs: 0,
    });
    expect(totalChangeCounts([r('platform', 1, 0), r('acme', 7, 2)])).toEqual({
      ...NO_CHANGES,
      added: 8,
      destroyed: 2,
    });
    expect(totalChangeCounts([])).toEqual(NO_CHANGES);
  });
});
