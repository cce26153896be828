/** A shared-tier tenant's premium topics in the resolved model: its own topics on the shared cluster, read by platform consumers. */
import { buildModel } from '../../../src/model/build';
import { validateTenants } from '../../../src/model/validate';
import { HEADER, tenant, testEnvironment } from './helpers';

const environment = testEnvironment();

const shopYaml = `id: shop
${HEADER}
tier: shared
classification: public
applications:
  - name: checkout
    produces: [orders.placed]
  - name: shipping
    produces: [orders.shipped]
premiumTopics: [orders.placed]
`;

const build = (...yamls: string[]) => {
  const tenants = yamls.map((y) => tenant(y));
  expect(validateTenants(environment.env, tenants)).toEqual([]);
  return buildModel(environment, tenants);
};

describe('premium topics in the model', () => {
  const model = build(shopYaml);
  const shop = model.tenants[0]!;

  it("is a topic of the tenant's stack on the shared cluster, copying the shared topic's partitions and configs", () => {
    const sharedTopic = model.platform.topics.find((t) => t.name === 'shared.orders.placed')!;
    expect(shop.cluster).toBe(environment.env.sharedCluster);
    expect(shop.topics).toEqual([
      {
        name: 'shop.premium.orders.placed',
        logicalName: 'premium.orders.placed',
        partitions: sharedTopic.partitions,
        replicationFactor: sharedTopic.replicationFactor,
        config: sharedTopic.config,
        allowDataLoss: false,
        premiumOf: 'shared.orders.placed',
        source: { file: 'tenants/shop.yaml', line: 11, col: 17, path: 'premiumTopics[0]' },
      },
    ]);
  });

  it('lets only the application producing the shared topic write its premium copy', () => {
    const writes = (app: string) =>
      shop.principals
        .find((p) => p.app === app)!
        .acls.filter((b) => b.operation === 'Write')
        .map((b) => b.resourceName)
        .sort();
    expect(writes('checkout')).toEqual(['shared.', 'shop.premium.']);
    expect(writes('shipping')).toEqual(['shared.']);
  });

  it('grants the platform consumers of the shared topic LITERAL READ on the premium topic, citing both declarations', () => {
    const analytics = model.platform.consumers.find((c) => c.app === 'analytics')!;
    const read = analytics.acls.find((b) => b.resourceName === 'shop.premium.orders.placed' && b.operation === 'Read');
    expect(read?.patternType).toBe('Literal');
    expect(read?.sources.map((s) => `${s.file}:${s.path}`)).toEqual([
      'environments/test.yaml:platformConsumers[0].consumes[0]',
      'tenants/shop.yaml:premiumTopics[0]',
    ]);
  });

  it("grants nothing on it once the tenant is decommissioning (its data is the admin's)", () => {
    const m = build(shopYaml.replace('tier: shared', 'tier: shared\nlifecycle: decommissioning'));
    const names = m.platform.consumers.flatMap((c) => c.acls.map((b) => b.resourceName));
    expect(names.filter((n) => n.startsWith('shop.'))).toEqual([]);
    expect(m.tenants[0]?.topics.map((t) => t.name)).toEqual(['shop.premium.orders.placed']);
  });
});
