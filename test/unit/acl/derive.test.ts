import fc from 'fast-check';
import {
  MAX_BINDINGS_PER_PRINCIPAL,
  aclPolicyFindings,
  platformConsumerAcls,
  tenantAcls,
  type AclBinding,
  type AppIntent,
} from '../../../src/acl';

const aclViolations = (b: Parameters<typeof aclPolicyFindings>[0]) => aclPolicyFindings(b).map((f) => f.message);

const intent = (over: Partial<AppIntent>): AppIntent => ({
  tenantId: 'acme',
  tier: 'topic-per-tenant',
  username: 'acme.billing',
  produces: [],
  consumes: [],
  groups: [],
  transactionalIds: [],
  ...over,
});

/** `Topic Prefixed acme. Write` for compact field-by-field assertions. */
const grants = (bindings: readonly AclBinding[]) =>
  bindings.map((b) => `${b.resourceType} ${b.patternType} ${b.resourceName} ${b.operation}`).sort();

describe('TenantAcls', () => {
  describe('topic-per-tenant and dedicated', () => {
    it.each(['topic-per-tenant', 'dedicated'] as const)(
      'grants a %s producer WRITE and DESCRIBE on its tenant topic prefix only',
      (tier) => {
        expect(grants(tenantAcls(intent({ tier, produces: ['orders'] })))).toEqual([
          'Topic Prefixed acme. Describe',
          'Topic Prefixed acme. Write',
        ]);
      },
    );

    it('grants the consumer READ and DESCRIBE on its tenant topic prefix and READ on its own group prefix only', () => {
      expect(grants(tenantAcls(intent({ consumes: ['orders'], groups: ['acme.billing'] })))).toEqual([
        'Group Prefixed acme. Read',
        'Topic Prefixed acme. Describe',
        'Topic Prefixed acme. Read',
      ]);
    });

    it('grants no group access to a consumer without groups (validation rejects it; never a "*" group)', () => {
      expect(grants(tenantAcls(intent({ consumes: ['orders'] })))).toEqual([
        'Topic Prefixed acme. Describe',
        'Topic Prefixed acme. Read',
      ]);
    });

    it('grants DESCRIBE once to an application that produces and consumes', () => {
      const bindings = tenantAcls(intent({ produces: ['invoices'], consumes: ['orders'], groups: ['acme.billing'] }));
      expect(bindings.filter((b) => b.operation === 'Describe')).toHaveLength(1);
      expect(bindings.find((b) => b.operation === 'Describe')?.reason).toBe(
        'fetches metadata of the topics it produces (acme.invoices) and consumes (acme.orders)',
      );
    });

    it('grants WRITE and DESCRIBE on the transactional id prefix only when transactional ids are declared', () => {
      expect(grants(tenantAcls(intent({ produces: ['ledger'] }))).some((g) => g.startsWith('TransactionalId'))).toBe(
        false,
      );
      expect(grants(tenantAcls(intent({ produces: ['ledger'], transactionalIds: ['acme.ledger-tx'] })))).toEqual([
        'Topic Prefixed acme. Describe',
        'Topic Prefixed acme. Write',
        'TransactionalId Prefixed acme. Describe',
        'TransactionalId Prefixed acme. Write',
      ]);
    });

    it('grants nothing to an application without intent', () => {
      expect(tenantAcls(intent({}))).toEqual([]);
    });

    it('binds the principal User:<username>, any host, ALLOW', () => {
      for (const b of tenantAcls(intent({ produces: ['orders'] }))) {
        expect([b.principal, b.host, b.permission]).toEqual(['User:acme.billing', '*', 'Allow']);
      }
    });

    it('gives every binding a reason naming the declared resources', () => {
      const [write] = tenantAcls(intent({ produces: ['orders', 'invoices'] })).filter((b) => b.operation === 'Write');
      expect(write?.reason).toBe('produces acme.invoices, acme.orders (the prefix covers every topic of tenant acme)');
    });
  });

  describe('shared tier', () => {
    const shared = (over: Partial<AppIntent>) =>
      intent({ tier: 'shared', username: 'bigshop.checkout', tenantId: 'bigshop', ...over });

    it('grants a shared-tier tenant WRITE and DESCRIBE on the shared. prefix only', () => {
      expect(grants(tenantAcls(shared({ produces: ['orders.placed'] })))).toEqual([
        'Topic Prefixed shared. Describe',
        'Topic Prefixed shared. Write',
      ]);
    });

    it('never grants a shared-tier tenant READ, even if consumes slipped past validation', () => {
      const bindings = tenantAcls(
        shared({ produces: ['orders.placed'], consumes: ['orders.placed'], groups: ['bigshop.g'] }),
      );
      expect(bindings.some((b) => b.operation === 'Read')).toBe(false);
    });

    it("keeps a shared-tier tenant's transactional ids under its own prefix", () => {
      expect(grants(tenantAcls(shared({ produces: ['orders.placed'], transactionalIds: ['bigshop.tx'] })))).toContain(
        'TransactionalId Prefixed bigshop. Write',
      );
    });
  });

  describe('platform consumers', () => {
    it('grants platform.<name> READ and DESCRIBE on exactly the shared topics it declares, and its own group prefix', () => {
      const bindings = platformConsumerAcls('analytics', ['orders.placed']);
      expect(grants(bindings)).toEqual([
        'Group Prefixed platform.analytics. Read',
        'Topic Literal shared.orders.placed Describe',
        'Topic Literal shared.orders.placed Read',
      ]);
      expect(new Set(bindings.map((b) => b.principal))).toEqual(new Set(['User:platform.analytics']));
    });

    it('never lets a platform consumer read a shared topic it did not declare', () => {
      const bindings = platformConsumerAcls('fulfilment', ['orders.placed']);
      expect(
        bindings.some((b) => b.resourceName.startsWith('shared.orders.shipped') || b.resourceName === 'shared.'),
      ).toBe(false);
    });
  });

  describe('bounds and safety', () => {
    const anyIntent = fc.record({
      tier: fc.constantFrom('dedicated', 'topic-per-tenant', 'shared' as const),
      produces: fc.array(fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/), { maxLength: 500 }),
      consumes: fc.array(fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/), { maxLength: 500 }),
      groups: fc.array(fc.stringMatching(/^acme\.[a-z]{1,10}$/), { maxLength: 20 }),
      transactionalIds: fc.array(fc.stringMatching(/^acme\.[a-z]{1,10}$/), { maxLength: 20 }),
    });

    it(`never derives more than ${MAX_BINDINGS_PER_PRINCIPAL} bindings per principal, however many topics`, () => {
      fc.assert(fc.property(anyIntent, (i) => tenantAcls(intent(i)).length <= MAX_BINDINGS_PER_PRINCIPAL));
      const many = Array.from({ length: 1000 }, (_, n) => `topic-${n}`);
      expect(
        tenantAcls(intent({ produces: many, consumes: many, groups: ['acme.g'], transactionalIds: ['acme.t'] })),
      ).toHaveLength(6);
    });

    it('derives only PREFIXED bindings ending with the separator, never wildcards or Cluster grants', () => {
      fc.assert(
        fc.property(anyIntent, (i) =>
          tenantAcls(intent(i)).every(
            (b) => b.patternType === 'Prefixed' && b.resourceName.endsWith('.') && aclViolations(b).length === 0,
          ),
        ),
      );
    });

    it('gives every binding a distinct, stable id', () => {
      const a = tenantAcls(
        intent({ produces: ['o'], consumes: ['o'], groups: ['acme.g'], transactionalIds: ['acme.t'] }),
      );
      const b = tenantAcls(
        intent({ produces: ['o'], consumes: ['o'], groups: ['acme.g'], transactionalIds: ['acme.t'] }),
      );
      expect(new Set(a.map((x) => x.id)).size).toBe(a.length);
      expect(a.map((x) => x.id)).toEqual(b.map((x) => x.id));
    });

    it("keeps ids independent of the reason (adding a topic does not replace the tenant's ACLs)", () => {
      const before = tenantAcls(intent({ produces: ['orders'] })).map((b) => b.id);
      const after = tenantAcls(intent({ produces: ['orders', 'invoices'] })).map((b) => b.id);
      expect(after).toEqual(before);
    });
  });
});

describe('aclViolations', () => {
  const ok: AclBinding = tenantAcls(intent({ produces: ['orders'] }))[0]!;

  it('accepts a derived binding', () => {
    expect(aclViolations(ok)).toEqual([]);
  });

  it.each([
    ['a wildcard principal', { principal: 'User:*' }],
    ['a "*" resource', { patternType: 'Literal' as const, resourceName: '*' }],
    ['a Cluster grant', { resourceType: 'Cluster' as const, resourceName: 'kafka-cluster.' }],
    ['a prefix without the separator', { resourceName: 'acme' }],
    ['a DENY', { permission: 'Deny' as unknown as 'Allow' }],
  ])('flags %s', (_what, change) => {
    expect(aclViolations({ ...ok, ...change })).toHaveLength(1);
  });
});
