/**
 * Synth of a premium topic: the tenant's stack creates it on the shared cluster with the tenant's grants, the
 * platform stack grants its platform consumers LITERAL READ on it, and no other shared-tier tenant's bindings
 * reach it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { authorize, matchesResource } from '../../../src/acl';
import { loadModel } from '../../../src/model';
import { synthesize } from '../../../src/stacks/synth';
import { makeRoot } from '../model/helpers';

type StackJson = {
  provider: { kafka: Array<{ bootstrap_servers: string[] }> };
  resource?: Record<string, Record<string, Record<string, unknown>>>;
};

const tenantYaml = (id: string, premium: boolean) => `id: ${id}
owner: team-${id}
contact: ${id}@example.com
tier: shared
classification: public
applications:
  - name: checkout
    produces: [orders.placed]
${premium ? 'premiumTopics: [orders.placed]\n' : ''}`;

describe('a premium topic, synthesized', () => {
  const root = makeRoot({ 'shop.yaml': tenantYaml('shop', true), 'other.yaml': tenantYaml('other', false) });
  const model = loadModel({ env: 'test', root });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-premium-'));
  synthesize(model, dir);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const stack = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(dir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as StackJson;
  const resources = (name: string, type: string) => Object.values(stack(name).resource?.[type] ?? {});
  const premium = 'shop.premium.orders.placed';

  it("is created by the tenant's stack, on the shared cluster, protected like any topic", () => {
    const topics = resources('shop', 'kafka_topic');
    expect(topics.map((t) => [t.name, t.partitions])).toEqual([[premium, 6]]);
    expect((topics[0]?.lifecycle as { prevent_destroy: boolean }).prevent_destroy).toBe(true);
    expect(stack('shop').provider.kafka[0]?.bootstrap_servers).toEqual(model.env.clusters.shared?.bootstrapServers);
    expect(resources('other', 'kafka_topic')).toEqual([]);
  });

  it('grants the producing application WRITE and DESCRIBE on the premium prefix, and never READ', () => {
    const acls = resources('shop', 'kafka_acl').map(
      (a) => `${a.acl_principal} ${a.resource_pattern_type_filter} ${a.resource_name} ${a.acl_operation}`,
    );
    expect(acls.filter((a) => a.includes('shop.premium.'))).toEqual(
      expect.arrayContaining([
        'User:shop.checkout Prefixed shop.premium. Write',
        'User:shop.checkout Prefixed shop.premium. Describe',
      ]),
    );
    expect(acls.filter((a) => a.endsWith(' Read'))).toEqual([]);
  });

  it('grants the platform consumers LITERAL READ on it in the platform stack', () => {
    const reads = resources('platform', 'kafka_acl').filter(
      (a) => a.resource_name === premium && a.acl_operation === 'Read',
    );
    expect(reads.map((a) => [a.acl_principal, a.resource_pattern_type_filter])).toEqual([
      ['User:platform.analytics', 'Literal'],
    ]);
  });

  it("is out of reach of another shared-tier tenant's bindings, which do reach the shared topic", () => {
    const other = model.tenants.find((t) => t.id === 'other')!.principals.flatMap((p) => p.acls);
    expect(other.filter((b) => matchesResource(b, 'Topic', premium))).toEqual([]);
    const ask = (name: string, operation: 'Write' | 'Describe') =>
      authorize(other, { principal: 'User:other.checkout', host: '10.0.0.9', resourceType: 'Topic', name, operation })
        .allowed;
    expect([ask(premium, 'Write'), ask(premium, 'Describe')]).toEqual([false, false]);
    expect(ask('shared.orders.placed', 'Write')).toBe(true);
  });
});
