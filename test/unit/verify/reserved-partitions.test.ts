/** The decision of `shared-tier.reserved-partitions`, from synthetic records: no broker involved. */
import { buildModel } from '../../../src/model/build';
import { readEnvironment } from '../../../src/model/environment';
import { decodeTenant } from '../../../src/model/load';
import type { VerifyContext } from '../../../src/verify/context';
import {
  type ReservedSample,
  type SampledRecord,
  judgeReservedPartitions,
  reservedPartitionChecks,
} from '../../../src/verify/checks/reserved-partitions';
import { Scope } from '../../../src/verify/scope';
import * as path from 'node:path';

const TOPIC = 'shared.orders.placed';
let offset = 0;
const rec = (key: string | null, headers: Record<string, string> = {}, partition = 0): SampledRecord => ({
  partition,
  offset: String(offset++),
  key: key === null ? null : Buffer.from(key),
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
});
const sample = (records: SampledRecord[], truncated = false): ReservedSample => ({
  partitions: [
    { partition: 0, low: '0', high: String(offset) },
    { partition: 1, low: '0', high: '0' },
  ],
  records,
  truncated,
});
const judge = (records: SampledRecord[], truncated = false) =>
  judgeReservedPartitions('bigshop', TOPIC, sample(records, truncated));

describe('judgeReservedPartitions', () => {
  it('passes on empty reserved partitions', () => {
    const o = judge([]);
    expect([o.status, o.observed]).toEqual(['pass', 'no records on partition(s) [0, 1]']);
  });

  it("passes when every record is the owner's (key prefix and tenant-id header)", () => {
    const o = judge([rec('bigshop:o-1', { 'tenant-id': 'bigshop' }), rec('bigshop:o-2', { 'tenant-id': 'bigshop' })]);
    expect(o.status).toBe('pass');
    expect(o.observed).toContain('2 of bigshop');
  });

  it("fails on a record keyed with another tenant's prefix", () => {
    const o = judge([rec('bigshop:o-1', { 'tenant-id': 'bigshop' }), rec('startup:o-9', { 'tenant-id': 'startup' })]);
    expect(o.status).toBe('fail');
    expect(o.details?.[0]).toMatch(/^shared\.orders\.placed\/0@\d+: key tenant "startup", tenant-id header "startup"$/);
  });

  it("fails on the owner's key with another tenant's tenant-id header (a forged record)", () => {
    expect(judge([rec('bigshop:o-1', { 'tenant-id': 'startup' })]).status).toBe('fail');
  });

  it('fails on a record with another tenant in the header only, or with no tenant at all', () => {
    expect(judge([rec('o-1', { 'tenant-id': 'startup' })]).status).toBe('fail');
    const none = judge([rec(null)]);
    expect(none.status).toBe('fail');
    expect(none.observed).toContain('1 of no tenant');
  });

  it("skips verify's own records, even forged ones, and counts them", () => {
    const o = judge([rec('startup:x', { 'tenant-id': 'bigshop', 'kafka-tenancy-verify': 'run1' })]);
    expect(o.status).toBe('pass');
    expect(o.observed).toContain('1 written by verify (skipped)');
  });

  it('says when the deadline cut the sample short, and never shows record values', () => {
    const o = judge([rec('startup:secret-aggregate', { 'tenant-id': 'startup' })], true);
    expect(o.observed).toContain('cut short by the deadline');
    expect(o.details?.join('\n')).not.toContain('secret-aggregate');
  });

  it('caps the evidence lines but counts every offending record', () => {
    const o = judge(Array.from({ length: 15 }, (_, i) => rec(`startup:${i}`)));
    expect(o.observed).toContain('15 of another tenant');
    expect(o.details).toContain('… and 5 more');
  });
});

describe('reservedPartitionChecks', () => {
  const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');
  const yaml = `id: bigshop
owner: team-bigshop
contact: b@example.com
tier: shared
classification: public
applications:
  - name: checkout
    produces: [orders.placed]
dedicatedPartitions:
  - topic: orders.placed
    partitions: [1, 0]
`;
  const model = buildModel(readEnvironment('test', FIXTURES), [decodeTenant('tenants/bigshop.yaml', yaml).tenant!]);
  const ctx = { model } as unknown as VerifyContext;

  it('plans one check per reserved shared topic, read as its platform consumer', () => {
    const checks = reservedPartitionChecks(ctx, new Scope(model));
    expect(checks.map((c) => [c.id, c.tenant, c.category, c.cluster])).toEqual([
      ['shared-tier.reserved-partitions:bigshop->shared.orders.placed', 'bigshop', 'shared-tier', 'shared'],
    ]);
    expect(checks[0]?.description).toContain('[0, 1]');
    expect(checks[0]?.description).toContain('platform.analytics');
  });

  it('plans nothing for a run scoped to other owners', () => {
    expect(reservedPartitionChecks(ctx, new Scope(model, ['platform']))).toEqual([]);
  });
});
