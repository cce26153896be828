import fc from 'fast-check';
import {
  type Acl,
  type AclRequest,
  authorize,
  covers,
  matches,
  matchesResource,
  reachesPrefix,
} from '../../../src/acl';

const allow = (over: Partial<Acl>): Acl => ({
  principal: 'User:acme.billing',
  host: '*',
  resourceType: 'Topic',
  patternType: 'Prefixed',
  resourceName: 'acme.',
  operation: 'Read',
  permission: 'Allow',
  ...over,
});
const request = (over: Partial<AclRequest>): AclRequest => ({
  principal: 'User:acme.billing',
  host: '127.0.0.1',
  resourceType: 'Topic',
  name: 'acme.orders',
  operation: 'Read',
  ...over,
});

describe('matchesResource', () => {
  it.each([
    ['Literal', 'acme.orders', 'acme.orders', true],
    ['Literal', 'acme.orders', 'acme.orders2', false],
    ['Literal', '*', 'anything', true],
    ['Prefixed', 'acme.', 'acme.orders', true],
    ['Prefixed', 'acme.', 'acme-eu.orders', false],
    ['Prefixed', 'acme', 'acme-eu.orders', true],
    ['Prefixed', 'acme.*', 'acme.orders', false],
  ] as const)('%s "%s" matches "%s": %s', (patternType, resourceName, name, expected) => {
    expect(matchesResource({ resourceType: 'Topic', patternType, resourceName }, 'Topic', name)).toBe(expected);
  });

  it('never matches another resource type', () => {
    expect(matchesResource(allow({}), 'Group', 'acme.orders')).toBe(false);
  });
});

describe('authorize', () => {
  it('denies when nothing matches (deny by default)', () => {
    expect(authorize([], request({})).allowed).toBe(false);
  });

  it('lets a DENY win over any ALLOW', () => {
    const deny = allow({ permission: 'Deny', patternType: 'Literal', resourceName: 'acme.orders' });
    expect(authorize([allow({}), deny], request({}))).toEqual({ allowed: false, by: [deny] });
  });

  it('implies DESCRIBE from an ALLOW for READ, WRITE, DELETE or ALTER, but not from a DENY', () => {
    for (const operation of ['Read', 'Write', 'Delete', 'Alter'] as const) {
      expect(authorize([allow({ operation })], request({ operation: 'Describe' })).allowed).toBe(true);
    }
    const denyRead = allow({ operation: 'Read', permission: 'Deny' });
    expect(authorize([allow({ operation: 'Describe' }), denyRead], request({ operation: 'Describe' })).allowed).toBe(
      true,
    );
  });

  it('implies DESCRIBE_CONFIGS from ALTER_CONFIGS', () => {
    const b = allow({ operation: 'AlterConfigs' });
    expect(authorize([b], request({ operation: 'DescribeConfigs' })).allowed).toBe(true);
  });

  it('matches User:* and host *, but not another host', () => {
    expect(matches(allow({ principal: 'User:*' }), request({}))).toBe(true);
    expect(matches(allow({ host: '127.0.0.1' }), request({}))).toBe(true);
    expect(matches(allow({ host: '10.0.0.1' }), request({}))).toBe(false);
  });

  it('lets DENY All deny every operation', () => {
    const b = allow({ operation: 'All', permission: 'Deny' });
    expect(authorize([allow({ operation: 'Write' }), b], request({ operation: 'Write' })).allowed).toBe(false);
  });
});

describe('covers', () => {
  const anyAcl = fc.record({
    principal: fc.constantFrom('User:a', 'User:b'),
    host: fc.constantFrom('*', '127.0.0.1'),
    resourceType: fc.constantFrom('Topic' as const, 'Group' as const),
    patternType: fc.constantFrom('Literal' as const, 'Prefixed' as const),
    resourceName: fc.constantFrom('*', 'a', 'a.', 'a.b', 'ab'),
    operation: fc.constantFrom('Read' as const, 'Write' as const, 'All' as const),
    permission: fc.constantFrom('Allow' as const, 'Deny' as const),
  });
  const anyRequest = fc.record({
    principal: fc.constantFrom('User:a', 'User:b'),
    host: fc.constantFrom('127.0.0.1', '10.0.0.1'),
    resourceType: fc.constantFrom('Topic' as const, 'Group' as const),
    name: fc.constantFrom('*', 'a', 'a.', 'a.b', 'ab', 'a.bc', 'b'),
    operation: fc.constantFrom('Read' as const, 'Write' as const),
  });

  it('a covering binding matches every request the covered one matches', () => {
    fc.assert(fc.property(anyAcl, anyAcl, anyRequest, (a, b, r) => !(covers(a, b) && matches(b, r)) || matches(a, r)));
  });
});

describe('reachesPrefix', () => {
  it.each([
    ['Prefixed', 'acme.', 'acme.', true],
    ['Prefixed', 'acme', 'acme.', true],
    ['Prefixed', 'acme.orders', 'acme.', true],
    ['Prefixed', 'acme.', 'acme-eu.', false],
    ['Prefixed', 'acme', 'acme-eu.', true],
    ['Prefixed', '', 'acme.', true],
    ['Prefixed', 'globex.', 'acme.', false],
    ['Literal', '*', 'acme.', true],
    ['Literal', 'acme.orders', 'acme.', true],
    ['Literal', 'acme', 'acme.', false],
  ] as const)('%s "%s" reaches "%s": %s', (patternType, resourceName, prefix, expected) => {
    expect(reachesPrefix({ patternType, resourceName }, prefix)).toBe(expected);
  });

  it('agrees with matchesResource: a pattern that matches a name in the namespace reaches it', () => {
    const seg = fc.stringMatching(/^[ab.]{0,4}$/);
    fc.assert(
      fc.property(fc.constantFrom('Literal' as const, 'Prefixed' as const), seg, seg, (patternType, p, rest) => {
        const name = `a.${rest}`;
        return (
          !matchesResource({ resourceType: 'Topic', patternType, resourceName: p }, 'Topic', name) ||
          reachesPrefix({ patternType, resourceName: p }, 'a.')
        );
      }),
    );
  });
});
