import type { AclOperationTypes, AclResourceTypes } from 'kafkajs';
import { type LiveAcl, diffPrincipal, exposures, hygieneFindings, namespaces } from '../../../src/verify/acl-diff';
import { fromDescribeAcls } from '../../../src/acl';
import { SUPER_USERS } from '../../../src/verify/context';
import { liveFromModel, smallModel } from './fixtures';

const model = smallModel();
const acme = model.tenants.find((t) => t.id === 'acme')!;
const billing = acme.principals.find((p) => p.app === 'billing')!;
const live = liveFromModel(model);

const acl = (over: Partial<LiveAcl>): LiveAcl => ({
  cluster: 'shared',
  principal: 'User:acme-eu.writer',
  host: '*',
  resourceType: 'Topic',
  patternType: 'Prefixed',
  resourceName: 'acme-eu.',
  operation: 'Read',
  permission: 'Allow',
  ...over,
});

describe('fromDescribeAcls', () => {
  it("turns kafkajs' numeric enums into the model's words", () => {
    const out = fromDescribeAcls('shared', [
      {
        resourceType: 2,
        resourceName: 'acme.',
        resourcePatternType: 4,
        acls: [{ principal: 'User:acme.billing', host: '*', operation: 3, permissionType: 3 }],
      },
      {
        resourceType: 4,
        resourceName: 'kafka-cluster',
        resourcePatternType: 3,
        acls: [{ principal: 'User:x', host: '10.0.0.1', operation: 8, permissionType: 2 }],
      },
    ]);
    expect(out).toEqual([
      acl({ principal: 'User:acme.billing', resourceName: 'acme.', operation: 'Read' }),
      acl({
        principal: 'User:x',
        host: '10.0.0.1',
        resourceType: 'Cluster',
        patternType: 'Literal',
        resourceName: 'kafka-cluster',
        operation: 'Describe',
        permission: 'Deny',
      }),
    ]);
  });

  it('names values it does not know instead of guessing', () => {
    // Kafka added resource types and operations kafkajs 2.2.4 has no names for (e.g. USER = 7).
    const unknown = {
      resourceType: 99 as AclResourceTypes,
      resourceName: 'x',
      resourcePatternType: 4,
      acls: [{ principal: 'User:x', host: '*', operation: 77 as AclOperationTypes, permissionType: 3 }],
    };
    const [a] = fromDescribeAcls('shared', [unknown]);
    expect(a).toMatchObject({ resourceType: 'Unknown(99)', operation: 'Unknown(77)' });
  });
});

describe('diffPrincipal', () => {
  it('finds nothing missing or extra on a deployment made from the model', () => {
    expect(diffPrincipal(billing.principal, acme.cluster, billing.acls, live)).toEqual({ missing: [], extra: [] });
  });

  it('reports a binding the model derives that is not live as missing', () => {
    const without = live.filter(
      (a) => !(a.principal === billing.principal && a.operation === 'Read' && a.resourceType === 'Topic'),
    );
    const diff = diffPrincipal(billing.principal, acme.cluster, billing.acls, without);
    expect(diff.missing.map((b) => `${b.resourceType} ${b.operation}`)).toEqual(['Topic Read']);
    expect(diff.extra).toEqual([]);
  });

  it('reports an added wildcard group grant as extra', () => {
    const star = acl({
      principal: billing.principal,
      resourceType: 'Group',
      patternType: 'Literal',
      resourceName: '*',
    });
    expect(diffPrincipal(billing.principal, acme.cluster, billing.acls, [...live, star]).extra).toEqual([star]);
  });

  it('reports the same binding on another cluster as extra', () => {
    const copy = { ...live.find((a) => a.principal === billing.principal)!, cluster: 'dedicated' };
    expect(diffPrincipal(billing.principal, acme.cluster, billing.acls, [...live, copy]).extra).toEqual([copy]);
  });

  it('treats a DENY or a host restriction as a different binding', () => {
    const original = live.find((a) => a.principal === billing.principal)!;
    const deny: LiveAcl = { ...original, permission: 'Deny' };
    const host: LiveAcl = { ...original, host: '10.0.0.1' };
    expect(diffPrincipal(billing.principal, acme.cluster, billing.acls, [...live, deny, host]).extra).toEqual([
      deny,
      host,
    ]);
  });
});

describe('hygieneFindings', () => {
  const rules = (a: LiveAcl) => hygieneFindings([a], SUPER_USERS).map((f) => f.rule);

  it('finds nothing on a deployment made from the model', () => {
    expect(hygieneFindings(live, SUPER_USERS)).toEqual([]);
  });

  it('flags an ALLOW for the wildcard principal', () => {
    expect(rules(acl({ principal: 'User:*', resourceName: 'acme.' }))).toEqual(['wildcard-principal']);
  });

  it('flags a PREFIXED pattern that does not end with the separator', () => {
    expect(rules(acl({ resourceName: 'acme' }))).toEqual(['prefix-without-separator']);
  });

  it('flags a literal "*" group', () => {
    expect(rules(acl({ resourceType: 'Group', patternType: 'Literal', resourceName: '*' }))).toEqual([
      'wildcard-resource',
    ]);
  });

  it('flags any grant on the Cluster', () => {
    expect(
      rules(
        acl({ resourceType: 'Cluster', patternType: 'Literal', resourceName: 'kafka-cluster', operation: 'Describe' }),
      ),
    ).toEqual(['cluster-grant']);
  });

  it('ignores DENY bindings and super users', () => {
    expect(rules(acl({ principal: 'User:*', resourceName: 'acme', permission: 'Deny' }))).toEqual([]);
    expect(rules(acl({ principal: 'User:admin', resourceType: 'Cluster', resourceName: 'kafka-cluster' }))).toEqual([]);
  });
});

describe('exposures', () => {
  const spaces = namespaces(model);
  const owners = (extra: LiveAcl) =>
    exposures([...live, extra], spaces, SUPER_USERS).map((e) => `${e.namespace.owner} ${e.namespace.resourceType}`);

  it('finds nothing on a deployment made from the model', () => {
    expect(exposures(live, spaces, SUPER_USERS)).toEqual([]);
  });

  it("attributes a prefix without separator granted to acme's principal to acme-eu, whose namespace it also matches", () => {
    expect(owners(acl({ principal: billing.principal, resourceName: 'acme' }))).toEqual(['acme-eu Topic']);
  });

  it('attributes an ALLOW for User:* on a tenant prefix to that tenant', () => {
    expect(owners(acl({ principal: 'User:*', resourceName: 'acme.' }))).toEqual(['acme Topic']);
  });

  it('attributes a literal "*" group grant to every namespace with groups', () => {
    expect(
      owners(acl({ principal: 'User:shop.web', resourceType: 'Group', patternType: 'Literal', resourceName: '*' })),
    ).toEqual(['acme Group', 'acme-eu Group', 'platform Group']);
  });

  it('flags READ on the shared topics for a principal the model never grants anything there', () => {
    expect(
      owners(acl({ principal: billing.principal, resourceName: 'shared.orders.placed', patternType: 'Literal' })),
    ).toEqual(['platform Topic']);
  });

  it("lets a shared-tier producer's own shared-topic bindings pass (extra operations are the ACL diff's business)", () => {
    expect(owners(acl({ principal: 'User:shop.web', resourceName: 'shared.' }))).toEqual([]);
  });
});
