import { ValidationError } from '../../../src/errors';
import { buildModel, loadModel } from '../../../src/model/build';
import type { Model, TenantModel } from '../../../src/model/types';
import { HEADER, makeRoot, problemLines, tenant, testEnvironment } from './helpers';

const environment = testEnvironment();
const { env } = environment;

const acmeYaml = `id: acme
${HEADER}
tier: topic-per-tenant
classification: internal
topics:
  - name: orders
    partitions: 6
    retentionMs: 3600000
    config:
      max.message.bytes: 2097152
      compression.type: zstd
  - name: profiles
    cleanupPolicy: compact
    replicationFactor: 2
    allowDataLoss: true
    config:
      min.compaction.lag.ms: "60000"
applications:
  - name: storefront
    produces: [orders]
  - name: billing
    produces: [profiles, orders]
    consumes: [orders, profiles]
    groups: [billing, audit]
    transactionalIds: [billing-tx]
    quota: { producerByteRate: 2097152 }
`;

const bigshopYaml = `id: bigshop
${HEADER}
tier: shared
classification: internal
applications:
  - name: checkout
    produces: [orders.placed]
dedicatedPartitions:
  - topic: orders.placed
    partitions: [3, 1]
`;

const bankYaml = `id: bank
${HEADER}
tier: dedicated
classification: regulated
cluster: dedicated-2
topics:
  - name: ledger
applications:
  - name: booker
    produces: [ledger]
`;

const build = (...yamls: string[]): Model =>
  buildModel(
    environment,
    yamls.map((y) => tenant(y)),
  );
const acme = (): TenantModel => build(acmeYaml).tenants[0]!;

describe('buildModel', () => {
  describe('tenant', () => {
    it('resolves the tenant, its cluster and its separator-terminated prefixes', () => {
      const t = acme();
      expect([t.id, t.file, t.tier, t.cluster]).toEqual(['acme', 'tenants/acme.yaml', 'topic-per-tenant', 'shared']);
      expect([t.topicPrefix, t.groupPrefix, t.transactionalIdPrefix]).toEqual(['acme.', 'acme.', 'acme.']);
    });

    it('targets the declared cluster for the dedicated tier', () => {
      expect(build(bankYaml).tenants[0]?.cluster).toBe('dedicated-2');
    });

    it('deletes data only when decommissioning with deleteDataOnDecommission', () => {
      const decommissioning = acmeYaml.replace(
        'tier:',
        'lifecycle: decommissioning\ndeleteDataOnDecommission: true\ntier:',
      );
      expect(acme().deleteData).toBe(false);
      expect(build(decommissioning).tenants[0]?.deleteData).toBe(true);
      expect(build(decommissioning).tenants[0]?.lifecycle).toBe('decommissioning');
    });
  });

  describe('topics', () => {
    it('names topics <tenant>.<logical name>, sorted by name', () => {
      expect(acme().topics.map((t) => [t.name, t.logicalName])).toEqual([
        ['acme.orders', 'orders'],
        ['acme.profiles', 'profiles'],
      ]);
    });

    it('lays the declared configs over the tier defaults, as strings', () => {
      expect(acme().topics[0]?.config).toEqual({
        'cleanup.policy': 'delete',
        'compression.type': 'zstd',
        'max.message.bytes': '2097152',
        'min.insync.replicas': '2',
        'retention.ms': '3600000',
      });
    });

    it('takes retention, min.insync.replicas and partitions from the tier defaults when not declared', () => {
      const profiles = acme().topics[1]!;
      expect(profiles.config).toEqual({
        'cleanup.policy': 'compact',
        'min.compaction.lag.ms': '60000',
        'min.insync.replicas': String(env.tierDefaults['topic-per-tenant'].minInsyncReplicas),
        'retention.ms': String(env.tierDefaults['topic-per-tenant'].retentionMs),
      });
      expect(profiles.partitions).toBe(env.tierDefaults['topic-per-tenant'].partitions);
    });

    it('takes the replication factor from the cluster unless declared', () => {
      expect(acme().topics.map((t) => t.replicationFactor)).toEqual([3, 2]);
    });

    it('carries the explicit data-loss approval for plan review', () => {
      expect(acme().topics.map((t) => t.allowDataLoss)).toEqual([false, true]);
    });

    it('uses the dedicated tier defaults for dedicated tenants', () => {
      expect(build(bankYaml).tenants[0]?.topics[0]?.partitions).toBe(env.tierDefaults.dedicated.partitions);
    });
  });

  describe('principals', () => {
    it('resolves usernames, principals, secret names, groups and transactional ids', () => {
      const billing = acme().principals[0]!;
      expect(billing).toMatchObject({
        app: 'billing',
        username: 'acme.billing',
        principal: 'User:acme.billing',
        secretName: 'scram/acme.billing',
        produces: ['orders', 'profiles'],
        consumes: ['orders', 'profiles'],
        groups: ['acme.audit', 'acme.billing'],
        transactionalIds: ['acme.billing-tx'],
      });
    });

    it('sorts principals by application name', () => {
      expect(acme().principals.map((p) => p.app)).toEqual(['billing', 'storefront']);
    });

    it('overrides the tier default quota field by field', () => {
      const defaults = env.tierDefaults['topic-per-tenant'].quota;
      const [billing, storefront] = acme().principals;
      expect(billing?.quota).toEqual({ ...defaults, producerByteRate: 2097152 });
      expect(storefront?.quota).toEqual(defaults);
    });

    it('derives at most six ACLs per principal, all on the tenant prefix', () => {
      const billing = acme().principals[0]!;
      expect(billing.acls).toHaveLength(6);
      expect(new Set(billing.acls.map((a) => a.resourceName))).toEqual(new Set(['acme.']));
    });
  });

  describe('shared tier and platform', () => {
    it('resolves dedicated partitions to the full shared topic name, sorted', () => {
      expect(build(bigshopYaml).tenants[0]?.dedicatedPartitions).toEqual([
        { topic: 'shared.orders.placed', partitions: [1, 3] },
      ]);
    });

    it('builds the shared topics with the shared cluster replication factor and shared tier defaults', () => {
      const [placed, shipped] = build().platform.topics;
      expect(placed).toEqual({
        name: 'shared.orders.placed',
        logicalName: 'orders.placed',
        partitions: 6,
        replicationFactor: 3,
        config: { 'cleanup.policy': 'delete', 'min.insync.replicas': '2', 'retention.ms': '604800000' },
        allowDataLoss: false,
        source: { file: 'environments/test.yaml', line: 32, col: 5, path: 'sharedTopics[0]' },
      });
      expect(shipped?.config['retention.ms']).toBe(String(env.tierDefaults.shared.retentionMs));
    });

    it('builds platform consumers as platform.<name> readers of the shared topics', () => {
      const [analytics] = build().platform.consumers;
      expect(analytics).toMatchObject({
        app: 'analytics',
        username: 'platform.analytics',
        principal: 'User:platform.analytics',
        secretName: 'scram/platform.analytics',
        consumes: ['orders.placed', 'orders.shipped'],
        produces: [],
      });
      expect(analytics?.acls.map((a) => `${a.resourceType} ${a.resourceName} ${a.operation}`).sort()).toEqual([
        'Group platform.analytics. Read',
        'Topic shared.orders.placed Describe',
        'Topic shared.orders.placed Read',
        'Topic shared.orders.shipped Describe',
        'Topic shared.orders.shipped Read',
      ]);
    });

    it('writes the partition map of every shared topic with the reserved partitions per tenant', () => {
      expect(build(bigshopYaml).partitionMap).toEqual({
        version: 1,
        environment: 'test',
        topics: {
          'shared.orders.placed': { partitions: 6, dedicated: { bigshop: [1, 3] } },
          'shared.orders.shipped': { partitions: 3, dedicated: {} },
        },
      });
    });
  });

  describe('order independence', () => {
    /** The same tenant with every list reversed. */
    const reordered = `id: acme
${HEADER}
tier: topic-per-tenant
classification: internal
applications:
  - name: billing
    quota: { producerByteRate: 2097152 }
    transactionalIds: [billing-tx]
    groups: [audit, billing]
    consumes: [profiles, orders]
    produces: [orders, profiles]
  - name: storefront
    produces: [orders]
topics:
  - name: profiles
    config:
      min.compaction.lag.ms: "60000"
    allowDataLoss: true
    replicationFactor: 2
    cleanupPolicy: compact
  - name: orders
    config:
      compression.type: zstd
      max.message.bytes: 2097152
    retentionMs: 3600000
    partitions: 6
`;

    // Positions move with the lines, of course; everything else stays.
    const withoutPositions = (m: Model): string =>
      JSON.stringify(m, (key, value: unknown) =>
        key === 'source' || key === 'sources' || key === 'quotaSource' ? undefined : value,
      );

    it('gives an identical model, apart from source positions, when the lists in a tenant file are reordered', () => {
      expect(JSON.parse(withoutPositions(build(reordered)))).toEqual(JSON.parse(withoutPositions(build(acmeYaml))));
    });

    it('gives identical ACL ids, topic names and config key order', () => {
      const ids = (m: Model) => m.tenants.flatMap((t) => t.principals.flatMap((p) => p.acls.map((a) => a.id)));
      expect(ids(build(reordered))).toEqual(ids(build(acmeYaml)));
      expect(withoutPositions(build(reordered))).toBe(withoutPositions(build(acmeYaml)));
    });

    it('gives an identical model whatever the order of the tenant files', () => {
      expect(build(bankYaml, bigshopYaml, acmeYaml)).toEqual(build(acmeYaml, bankYaml, bigshopYaml));
      expect(build(bankYaml, acmeYaml).tenants.map((t) => t.id)).toEqual(['acme', 'bank']);
    });
  });
});

describe('loadModel', () => {
  it('loads the tenants folder of a root with the named environment', () => {
    const root = makeRoot({ 'acme.yaml': acmeYaml, 'bigshop.yaml': bigshopYaml, 'bank.yaml': bankYaml });
    const model = loadModel({ env: 'test', root });
    expect(model.env.name).toBe('test');
    expect(model.tenants.map((t) => t.id)).toEqual(['acme', 'bank', 'bigshop']);
  });

  it('accepts a tenants folder relative to the root', () => {
    const root = makeRoot({ 'acme.yaml': acmeYaml });
    expect(loadModel({ env: 'test', root, tenantsDir: 'tenants' }).tenants).toHaveLength(1);
  });

  it('throws one ValidationError with decoding and rule problems together', () => {
    const root = makeRoot({
      'acme.yaml': acmeYaml.replace('partitions: 6', 'partitions: 0'),
      'bank.yaml': bankYaml.replace('cluster: dedicated-2', 'cluster: shared'),
    });
    expect(() => loadModel({ env: 'test', root })).toThrow(ValidationError);
    expect(problemLines(() => loadModel({ env: 'test', root }))).toEqual([
      'tenants/acme.yaml:8:17: topics[0].partitions: must be at least 1, got 0',
      'tenants/bank.yaml:6:10: cluster: "shared" is not a dedicated cluster, but tier is dedicated; use a dedicated cluster (dedicated, dedicated-2) or choose tier topic-per-tenant',
    ]);
  });

  it('reports a missing environment as a ValidationError', () => {
    const root = makeRoot({});
    expect(problemLines(() => loadModel({ env: 'nope', root }))).toEqual([
      'environments/nope.yaml: environment "nope" not found; create environments/nope.yaml',
    ]);
  });
});
