/**
 * A tenant's positions, topics and principals, and the platform's consumers, are built when first read
 * (src/model/build.ts). Whoever reads the model must not be able to tell: same keys in the same order, the same
 * values through property access, spreading, JSON and equality, and assignable like any other field.
 */
import { buildModel } from '../../../src/model/build';
import type { TenantModel } from '../../../src/model/types';
import { HEADER, tenant, testEnvironment } from './helpers';

const acmeYaml = `id: acme
${HEADER}
tier: topic-per-tenant
classification: internal
topics:
  - name: orders
    partitions: 6
retiredTopics:
  - name: legacy
    deleteData: false
applications:
  - name: billing
    produces: [orders]
    consumes: [orders]
    groups: [billing]
`;

const build = () => buildModel(testEnvironment(), [tenant(acmeYaml)]);
const KEYS: ReadonlyArray<keyof TenantModel> = [
  'id',
  'file',
  'source',
  'tier',
  'cluster',
  'owner',
  'contact',
  'classification',
  'encryption',
  'lifecycle',
  'deleteData',
  'topicPrefix',
  'groupPrefix',
  'transactionalIdPrefix',
  'topics',
  'retiredTopics',
  'principals',
  'dedicatedPartitions',
];

describe('model parts built on first read', () => {
  it('keeps the keys of a tenant in their declared order, all enumerable', () => {
    const [acme] = build().tenants;
    expect(Object.keys(acme!)).toEqual(KEYS);
  });

  it('gives the same values however they are read, and keeps them once built', () => {
    const read = build().tenants[0]!;
    const spread = { ...build().tenants[0]! };
    const json = JSON.parse(JSON.stringify(build().tenants[0])) as TenantModel;
    expect(spread).toEqual(read);
    expect(json).toEqual(JSON.parse(JSON.stringify(read)));
    expect(read.source).toEqual({ file: 'tenants/acme.yaml', line: 1, col: 5, path: 'id' });
    expect(read.retiredTopics.map((t) => [t.name, t.source.line])).toEqual([['acme.legacy', 10]]);
    expect(read.principals[0]?.acls.length).toBeGreaterThan(0);
    expect(read.principals).toBe(read.principals); // built once, then a plain value
    expect(Object.getOwnPropertyDescriptor(read, 'principals')).toMatchObject({ writable: true, enumerable: true });
  });

  it('lets a field be replaced before or after it was built', () => {
    const [before, after] = [build().tenants[0]!, build().tenants[0]!];
    void after.topics;
    (before as { topics: unknown }).topics = [];
    (after as { topics: unknown }).topics = [];
    expect([before.topics, after.topics]).toEqual([[], []]);
  });

  it("builds the platform's consumers on first read, with the premium topics of the fleet", () => {
    const model = build();
    expect(Object.keys(model.platform)).toEqual(['topics', 'retiredTopics', 'consumers']);
    expect(model.platform.consumers.length).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(model.platform))).toEqual(JSON.parse(JSON.stringify(build().platform)));
  });
});
