import fc from 'fast-check';
import {
  SEPARATOR,
  TENANT_ID_PATTERN,
  collisionKey,
  groupId,
  groupPrefix,
  isReservedId,
  platformGroupPrefix,
  platformUsername,
  principalOf,
  secretName,
  sharedTopicName,
  topicName,
  topicPrefix,
  transactionalId,
  transactionalIdPrefix,
  username,
} from '../../../src/naming';
import { aclId, type AclBindingKey } from '../../../src/acl';

const tenantId = fc.stringMatching(TENANT_ID_PATTERN);

describe('Naming', () => {
  it('names a tenant topic <tenant>.<logical name>', () => {
    expect(topicName('acme', 'orders')).toBe('acme.orders');
    expect(topicName('acme', 'orders.v2')).toBe('acme.orders.v2');
  });

  it('names a shared topic shared.<logical name>', () => {
    expect(sharedTopicName('orders.placed')).toBe('shared.orders.placed');
  });

  it('names an application user <tenant>.<app> with principal User:<tenant>.<app>', () => {
    expect(username('acme', 'billing')).toBe('acme.billing');
    expect(principalOf(username('acme', 'billing'))).toBe('User:acme.billing');
  });

  it('names a platform consumer platform.<name> with its own group prefix platform.<name>.', () => {
    expect(platformUsername('analytics')).toBe('platform.analytics');
    expect(platformGroupPrefix('analytics')).toBe('platform.analytics.');
  });

  it('prefixes group ids and transactional ids with the tenant id and the separator', () => {
    expect(groupId('acme', 'billing')).toBe('acme.billing');
    expect(transactionalId('acme', 'billing-tx')).toBe('acme.billing-tx');
  });

  it('ends every tenant prefix with the separator', () => {
    for (const prefix of [topicPrefix('acme'), groupPrefix('acme'), transactionalIdPrefix('acme')]) {
      expect(prefix).toBe('acme.');
      expect(prefix.endsWith(SEPARATOR)).toBe(true);
    }
  });

  it('keeps SCRAM passwords under scram/<username>', () => {
    expect(secretName('acme.billing')).toBe('scram/acme.billing');
  });

  describe('tenant ids', () => {
    it.each(['acme', 'acme-eu', 'a1b', 'finbank-2'])('accepts %s', (id) => {
      expect(TENANT_ID_PATTERN.test(id)).toBe(true);
    });

    it.each(['ac', 'Acme', 'acme.eu', 'acme_eu', '1acme', 'acme-', '-acme', 'a'.repeat(33), ''])('rejects %j', (id) => {
      expect(TENANT_ID_PATTERN.test(id)).toBe(false);
    });

    it('never contains the separator or "_"', () => {
      fc.assert(fc.property(tenantId, (id) => !id.includes(SEPARATOR) && !id.includes('_')));
    });

    it("never lets one tenant's prefix match another tenant's names (acme. vs acme-eu.x)", () => {
      fc.assert(
        fc.property(tenantId, tenantId, fc.stringMatching(/^[a-z0-9._-]{1,20}$/), (a, b, logical) => {
          fc.pre(a !== b);
          return !topicName(b, logical).startsWith(topicPrefix(a)) && !groupId(b, logical).startsWith(groupPrefix(a));
        }),
      );
      expect(topicName('acme-eu', 'orders').startsWith(topicPrefix('acme'))).toBe(false);
    });

    it.each(['shared', 'platform', 'admin', 'controller', '__consumer_offsets', '__anything'])('reserves %s', (id) => {
      expect(isReservedId(id)).toBe(true);
    });

    it('does not reserve ordinary ids', () => {
      expect(isReservedId('acme')).toBe(false);
      expect(isReservedId('shared-services')).toBe(false);
    });
  });

  describe('collisionKey', () => {
    it('maps "_" to "." and lowercases, like kafka metric names collide', () => {
      expect(collisionKey('acme.Orders_v2')).toBe('acme.orders.v2');
      expect(collisionKey('acme.orders_v2')).toBe(collisionKey('acme.orders.v2'));
      expect(collisionKey('acme.orders')).not.toBe(collisionKey('acme.order'));
    });
  });

  describe('aclId', () => {
    const binding: AclBindingKey = {
      principal: 'User:acme.billing',
      resourceType: 'Topic',
      patternType: 'Prefixed',
      resourceName: 'acme.',
      operation: 'Write',
    };

    it('is readable and built from the binding fields', () => {
      expect(aclId(binding)).toMatch(/^acl-acme_billing-topic-prefixed-acme_-write-[0-9a-f]{8}$/);
    });

    it('is the same for the same fields (stable across runs and list positions)', () => {
      expect(aclId({ ...binding })).toBe(aclId(binding));
    });

    it('is safe as a construct id and a terraform resource name', () => {
      fc.assert(
        fc.property(fc.string(), fc.string(), (user, resource) =>
          /^[a-z][a-z0-9_-]*$/.test(aclId({ ...binding, principal: `User:${user}`, resourceName: resource })),
        ),
      );
    });

    it('differs whenever a field differs, even when the slugs are equal', () => {
      expect(aclId({ ...binding, operation: 'Describe' })).not.toBe(aclId(binding));
      expect(aclId({ ...binding, principal: 'User:acme-b.x' })).not.toBe(
        aclId({ ...binding, principal: 'User:acme.b-x' }),
      );
      expect(aclId({ ...binding, resourceName: 'acme_' })).not.toBe(aclId(binding));
    });
  });
});
