/**
 * Premium topics (a shared-tier tenant's private copy of a shared topic, `<tenant>.premium.<topic>`): who may write
 * and read it, and — the reason it exists — that no other shared-tier tenant's bindings reach it, unlike a reserved
 * partition of the shared topic.
 */
import {
  MAX_BINDINGS_PER_PRINCIPAL,
  type AclBinding,
  type AppIntent,
  aclPolicyFindings,
  authorize,
  matchesResource,
  platformConsumerAcls,
  tenantAcls,
} from '../../../src/acl';
import { premiumTopicName, premiumTopicPrefix, sharedTopicName } from '../../../src/naming';

const shared = (tenantId: string, over: Partial<AppIntent> = {}): AppIntent => ({
  tenantId,
  tier: 'shared',
  username: `${tenantId}.checkout`,
  produces: ['orders.placed'],
  consumes: [],
  groups: [],
  transactionalIds: [],
  ...over,
});

const grants = (bindings: readonly AclBinding[]) =>
  bindings.map((b) => `${b.resourceType} ${b.patternType} ${b.resourceName} ${b.operation}`).sort();

const premium = premiumTopicName('bigshop', 'orders.placed');

describe('premium topic naming', () => {
  it('puts the premium copy under the tenant prefix, never under shared.', () => {
    expect(premium).toBe('bigshop.premium.orders.placed');
    expect(premiumTopicPrefix('bigshop')).toBe('bigshop.premium.');
    expect(premium.startsWith('shared.')).toBe(false);
    expect(premium.startsWith(premiumTopicPrefix('bigshop'))).toBe(true);
  });
});

describe('tenantAcls with premium topics', () => {
  it('grants a producer of a premium shared topic WRITE and DESCRIBE on its premium prefix as well', () => {
    expect(grants(tenantAcls(shared('bigshop', { premiumTopics: ['orders.placed'] })))).toEqual([
      'Topic Prefixed bigshop.premium. Describe',
      'Topic Prefixed bigshop.premium. Write',
      'Topic Prefixed shared. Describe',
      'Topic Prefixed shared. Write',
    ]);
  });

  it('grants nothing on the premium prefix to an application that does not produce the premium topic', () => {
    const b = tenantAcls(
      shared('bigshop', { produces: ['orders.shipped'], premiumTopics: ['orders.placed'], username: 'bigshop.ship' }),
    );
    expect(grants(b)).toEqual(['Topic Prefixed shared. Describe', 'Topic Prefixed shared. Write']);
  });

  it('says why, and points at the premiumTopics entry', () => {
    const at = { file: 'tenants/bigshop.yaml', line: 20, col: 17, path: 'premiumTopics[0]' };
    const write = tenantAcls(
      shared('bigshop', {
        premiumTopics: ['orders.placed'],
        sources: { premiumTopics: new Map([['orders.placed', [at]]]) },
      }),
    ).find((b) => b.resourceName === 'bigshop.premium.' && b.operation === 'Write');
    expect(write?.reason).toContain('bigshop.premium.orders.placed');
    expect(write?.sources).toEqual([at]);
  });

  it('stays within the bindings bound with a transactional producer, and within the policy', () => {
    const b = tenantAcls(shared('bigshop', { premiumTopics: ['orders.placed'], transactionalIds: ['bigshop.tx'] }));
    expect(b.length).toBe(MAX_BINDINGS_PER_PRINCIPAL);
    for (const x of b) expect(aclPolicyFindings(x)).toEqual([]);
  });

  it('ignores premiumTopics outside the shared tier (validation refuses them there)', () => {
    const b = tenantAcls({
      ...shared('acme', { premiumTopics: ['orders'] }),
      tier: 'topic-per-tenant',
      produces: ['orders'],
    });
    expect(grants(b)).toEqual(['Topic Prefixed acme. Describe', 'Topic Prefixed acme. Write']);
  });
});

describe('isolation of a premium topic from the other shared-tier tenants', () => {
  // GIVEN bigshop with a premium copy of orders.placed, and startup, another shared-tier producer of it
  const bigshop = tenantAcls(shared('bigshop', { premiumTopics: ['orders.placed'] }));
  const startup = tenantAcls(shared('startup', { transactionalIds: ['startup.tx'] }));
  const request = (principal: string, operation: 'Write' | 'Describe' | 'Read', name = premium) =>
    authorize([...bigshop, ...startup], { principal, host: '10.0.0.1', resourceType: 'Topic', name, operation });

  it("matches none of another shared-tier tenant's bindings", () => {
    expect(startup.filter((b) => matchesResource(b, 'Topic', premium))).toEqual([]);
  });

  it('lets the other tenant neither write nor describe (list offsets of) the premium topic', () => {
    expect(request('User:startup.checkout', 'Write').allowed).toBe(false);
    expect(request('User:startup.checkout', 'Describe').allowed).toBe(false);
  });

  it('lets the owner write it, and nobody read it but platform consumers', () => {
    expect(request('User:bigshop.checkout', 'Write').allowed).toBe(true);
    expect(request('User:bigshop.checkout', 'Read').allowed).toBe(false);
  });

  it('while a reserved partition of the shared topic stays writable by every shared-tier producer', () => {
    // The contrast the docs describe: Kafka authorizes topics, not partitions.
    expect(request('User:startup.checkout', 'Write', sharedTopicName('orders.placed')).allowed).toBe(true);
  });
});

describe('platformConsumerAcls with premium topics', () => {
  const refs = [
    { shared: 'orders.placed', topic: premium, tenantId: 'bigshop', sources: [] },
    {
      shared: 'orders.shipped',
      topic: premiumTopicName('bigshop', 'orders.shipped'),
      tenantId: 'bigshop',
      sources: [],
    },
  ];

  it('grants a consumer of the shared topic LITERAL READ and DESCRIBE on each premium copy of it, nothing more', () => {
    expect(grants(platformConsumerAcls('fulfilment', ['orders.placed'], undefined, refs))).toEqual([
      'Group Prefixed platform.fulfilment. Read',
      'Topic Literal bigshop.premium.orders.placed Describe',
      'Topic Literal bigshop.premium.orders.placed Read',
      'Topic Literal shared.orders.placed Describe',
      'Topic Literal shared.orders.placed Read',
    ]);
  });

  it('reaches no other topic of the tenant', () => {
    const b = platformConsumerAcls('fulfilment', ['orders.placed'], undefined, refs);
    expect(b.filter((x) => matchesResource(x, 'Topic', 'bigshop.premium.orders.shipped'))).toEqual([]);
    expect(b.filter((x) => matchesResource(x, 'Topic', 'bigshop.premium.orders.placed.x'))).toEqual([]);
  });

  it('grants every premium copy to a consumer of both shared topics, within its bound', () => {
    const b = platformConsumerAcls('analytics', ['orders.placed', 'orders.shipped'], undefined, refs);
    expect(b).toHaveLength(2 * 4 + 1);
    for (const x of b) expect(aclPolicyFindings(x)).toEqual([]);
  });
});
