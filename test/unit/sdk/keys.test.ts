import fc from 'fast-check';
import {
  InvalidRecordError,
  InvalidTenantIdError,
  buildRecordKey,
  isValidTenantId,
  parseRecordKey,
  singleHeader,
  tenantGroupId,
  tryParseRecordKey,
} from '../../../src/sdk';

const tenantId = fc.stringMatching(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/);

describe('record keys', () => {
  it('builds {tenantId}:{aggregateId}', () => {
    expect(buildRecordKey('acme', 'order-42')).toBe('acme:order-42');
  });

  it('parses what it builds, even when the aggregate id contains ":" (property)', () => {
    fc.assert(
      fc.property(tenantId, fc.string({ minLength: 1, maxLength: 100 }), (tenant, aggregate) => {
        expect(parseRecordKey(buildRecordKey(tenant, aggregate))).toEqual({ tenantId: tenant, aggregateId: aggregate });
        expect(parseRecordKey(Buffer.from(buildRecordKey(tenant, aggregate)))).toEqual({
          tenantId: tenant,
          aggregateId: aggregate,
        });
      }),
    );
  });

  it.each([
    ['ab', 'too short'],
    ['a'.repeat(33), 'too long'],
    ['1acme', 'starts with a digit'],
    ['acme-', 'ends with "-"'],
    ['Acme', 'uppercase'],
    ['ac_me', 'underscore'],
    ['ac.me', 'dot (the topic separator)'],
    ['ac:me', 'colon (the key separator)'],
  ])('refuses tenant id %j (%s)', (id) => {
    expect(isValidTenantId(id)).toBe(false);
    expect(() => buildRecordKey(id, 'x')).toThrow(InvalidTenantIdError);
  });

  it.each(['abc', 'acme', 'acme-eu', 'a1-b2', 'a'.repeat(32)])('accepts tenant id %j', (id) => {
    expect(isValidTenantId(id)).toBe(true);
  });

  it('refuses an empty or oversized aggregate id', () => {
    expect(() => buildRecordKey('acme', '')).toThrow(InvalidRecordError);
    expect(() => buildRecordKey('acme', 'x'.repeat(513))).toThrow(/at most 512 bytes/);
  });

  it.each([null, '', 'acme', ':x', 'acme:', 'ACME:x', 'a:b', 'acme_x:1'])(
    'does not parse %j as a record key',
    (key) => {
      expect(tryParseRecordKey(key)).toBeUndefined();
    },
  );
});

describe('singleHeader', () => {
  it('returns the one value of a header as a string', () => {
    expect(singleHeader({ 'tenant-id': Buffer.from('acme') }, 'tenant-id')).toBe('acme');
    expect(singleHeader({ 'tenant-id': ['acme'] }, 'tenant-id')).toBe('acme');
    expect(singleHeader({}, 'tenant-id')).toBeUndefined();
  });

  it('reports a repeated header as ambiguous', () => {
    expect(singleHeader({ 'tenant-id': ['acme', Buffer.from('bravo')] }, 'tenant-id')).toBe('multiple');
  });
});

describe('tenantGroupId', () => {
  it('puts the group under the tenant prefix', () => {
    expect(tenantGroupId('acme', 'billing')).toBe('acme.billing');
  });

  it('keeps a name that is already under the tenant prefix', () => {
    expect(tenantGroupId('acme', 'acme.billing')).toBe('acme.billing');
  });

  it("cannot be used to reach another tenant's group", () => {
    expect(tenantGroupId('acme', 'bravo.billing')).toBe('acme.bravo.billing');
    expect(tenantGroupId('acme', 'acme-eu.billing')).toBe('acme.acme-eu.billing');
  });

  it('refuses group names with characters Kafka tooling chokes on', () => {
    expect(() => tenantGroupId('acme', 'bill ing')).toThrow(/consumer group/);
    expect(() => tenantGroupId('acme', '')).toThrow(/consumer group/);
  });
});
