import { javaHashMapOrder, javaStringHash } from '../../support/java-hashmap';

describe('javaHashMapOrder (the replay order the SCRAM regression test relies on)', () => {
  it('computes String.hashCode like Java, overflow included', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('a')).toBe(97);
    expect(javaStringHash('admin')).toBe(92668751);
    expect(javaStringHash('acme.billing')).toBe(-1527778873);
  });

  it('puts xuser before admin and acme.billing, as the broker replayed them in the original report', () => {
    expect(javaHashMapOrder(['admin', 'acme.billing', 'xuser'])[0]).toBe('xuser');
  });

  it('keeps insertion order inside a bucket and grows the table past 12 keys', () => {
    // What OpenJDK 17 prints for a HashMap filled with user0 … user12 in that order.
    expect(javaHashMapOrder(Array.from({ length: 13 }, (_, i) => `user${i}`))).toEqual(
      'user1 user11 user2 user10 user0 user12 user9 user7 user8 user5 user6 user3 user4'.split(' '),
    );
    expect(javaHashMapOrder(['Aa', 'BB'])).toEqual(['Aa', 'BB']); // same hash: insertion order
    expect(javaHashMapOrder(['BB', 'Aa'])).toEqual(['BB', 'Aa']);
  });
});
