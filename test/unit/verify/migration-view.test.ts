/** How verify sees a migrating tenant per phase (verify/migration.ts): the working placement and what lives beside it. */
import { loadModel } from '../../../src/model';
import { otherPlacementTopics, verifyModel, workingView } from '../../../src/verify/migration';
import { makeRoot } from '../model/helpers';

const acme = (state: string) => `id: acme
owner: team-acme
contact: acme@example.com
tier: dedicated
cluster: dedicated-2
classification: internal
topics:
  - name: orders
applications:
  - name: writer
    produces: [orders]
  - name: reader
    consumes: [orders]
    groups: [reader]
migration:
  from: { tier: topic-per-tenant }
  state: ${state}
  keepSourceData: true
`;

const tenant = (state: string) => loadModel({ env: 'test', root: makeRoot({ 'acme.yaml': acme(state) }) }).tenants[0]!;

describe('verify view of a migrating tenant', () => {
  it('copying: works on the source with every intent; the target topics are known beside it', () => {
    const v = workingView(tenant('copying'));
    expect(v.cluster).toBe('shared');
    expect(v.tier).toBe('topic-per-tenant');
    expect(v.principals.find((p) => p.app === 'writer')?.produces).toEqual(['orders']);
    expect(otherPlacementTopics(tenant('copying')).get('dedicated-2')).toEqual(['acme.orders']);
  });

  it('cutover: the producers lose their intents (no write grant), the readers keep theirs', () => {
    const v = workingView(tenant('cutover'));
    const writer = v.principals.find((p) => p.app === 'writer')!;
    const reader = v.principals.find((p) => p.app === 'reader')!;
    expect(writer.produces).toEqual([]);
    expect(writer.acls.some((b) => b.operation === 'Write')).toBe(false);
    expect(reader.consumes).toEqual(['orders']);
    expect(reader.groups).toEqual(['acme.reader']);
  });

  it('done: the tenant as declared, on its target; the kept source topics are known on the source', () => {
    const t = tenant('done');
    expect(workingView(t)).toBe(t);
    expect(otherPlacementTopics(t).get('shared')).toEqual(['acme.orders']);
  });

  it('a model without migrations is returned as it is', () => {
    const m = loadModel({
      env: 'test',
      root: makeRoot({
        'acme.yaml': acme('copying')
          .replace(/migration:[\s\S]*$/, '')
          .replace('tier: dedicated\ncluster: dedicated-2', 'tier: topic-per-tenant'),
      }),
    });
    expect(verifyModel(m)).toBe(m);
  });
});
