import fc from 'fast-check';
import {
  allPairs,
  prefixRelatives,
  selectPairs,
  selectTargets,
  seededRandom,
  sharePrefix,
} from '../../../src/verify/pairs';

/** Ids of one length: none is the start of another. */
const ids = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i).padStart(4, '0')}`);
const key = (p: { actor: string; target: string }) => `${p.actor}->${p.target}`;
const tally = (xs: string[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};

describe('selectPairs', () => {
  it('returns every ordered pair of distinct tenants when exhaustive, whatever the fleet size', () => {
    for (const n of [2, 10, 51, 120]) {
      const pairs = selectPairs(ids(n), { seed: 's', exhaustive: true });
      expect(pairs).toHaveLength(n * (n - 1));
      expect(new Set(pairs.map(key)).size).toBe(n * (n - 1));
      expect(pairs.every((p) => p.actor !== p.target)).toBe(true);
    }
  });

  it('returns nothing for fewer than two tenants', () => {
    expect(selectPairs([], { seed: 's' })).toEqual([]);
    expect(selectPairs(['acme'], { seed: 's' })).toEqual([]);
  });

  it('is the same for the same tenants and seed, whatever their order', () => {
    const a = selectPairs(ids(120), { seed: 'seed-1' });
    const b = selectPairs([...ids(120)].reverse(), { seed: 'seed-1' });
    expect(b).toEqual(a);
  });

  it('samples differently for a different seed', () => {
    const a = selectPairs(ids(120), { seed: 'seed-1' }).map(key);
    const b = selectPairs(ids(120), { seed: 'seed-2' }).map(key);
    expect(b).not.toEqual(a);
  });

  it('makes every tenant the actor and the target of exactly `targetsPerTenant` distinct pairs, from 4 to 1,000 tenants (no cliff)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 1000 }), fc.integer({ min: 1, max: 3 }), fc.string(), (n, k, seed) => {
        const pairs = selectPairs(ids(n), { seed, targetsPerTenant: k });
        expect(pairs).toHaveLength(n * k);
        expect(new Set(pairs.map(key)).size).toBe(n * k);
        expect(pairs.every((p) => p.actor !== p.target)).toBe(true);
        const asActor = tally(pairs.map((p) => p.actor));
        const asTarget = tally(pairs.map((p) => p.target));
        expect(asActor.size).toBe(n);
        expect(asTarget.size).toBe(n);
        expect([...asActor.values(), ...asTarget.values()].every((c) => c === k)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('defaults to 3 targets per tenant: 30 pairs of 90 at 10 tenants, 3,000 of 999,000 at 1,000', () => {
    expect(selectPairs(ids(10), { seed: 's' })).toHaveLength(30);
    expect(selectPairs(ids(1000), { seed: 's' })).toHaveLength(3000);
  });

  it('always pairs tenants whose ids share a prefix (acme and acme-eu), both ways, on top of the sample', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-c]{1,4}$/), { minLength: 2, maxLength: 40 }),
        fc.string(),
        (tenants, seed) => {
          const pairs = new Set(selectPairs(tenants, { seed, targetsPerTenant: 1 }).map(key));
          for (const a of tenants) {
            for (const b of tenants) if (sharePrefix(a, b)) expect(pairs.has(`${a}->${b}`)).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
    const fleet = [...ids(200), 'acme', 'acme-eu', 'acme-eu-west'];
    const pairs = selectPairs(fleet, { seed: 'x' }).map(key);
    expect(pairs).toEqual(
      expect.arrayContaining([
        'acme->acme-eu',
        'acme-eu->acme',
        'acme->acme-eu-west',
        'acme-eu-west->acme',
        'acme-eu->acme-eu-west',
        'acme-eu-west->acme-eu',
      ]),
    );
    // Its relatives are all a tenant gets beyond the seeded targets.
    const acme = tally(pairs.filter((p) => p.startsWith('acme->')));
    expect(acme.size).toBeLessThanOrEqual(3 + 2);
  });
});

describe('prefixRelatives', () => {
  it('is exactly the pairs a scan with sharePrefix finds', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[ab-]{1,5}$/), { maxLength: 30 }), (tenants) => {
        const scan = allPairs(tenants).filter((p) => sharePrefix(p.actor, p.target));
        expect(prefixRelatives(tenants)).toEqual(scan);
      }),
      { numRuns: 100 },
    );
  });
});

describe('selectTargets', () => {
  it('gives the platform a constant number of seeded targets, plus ids sharing its prefix; all when exhaustive', () => {
    for (const n of [10, 50, 200, 1000]) {
      expect(selectTargets('platform', ids(n), { seed: 's' })).toHaveLength(3);
      expect(selectTargets('platform', ids(n), { seed: 's', exhaustive: true })).toHaveLength(n);
    }
    expect(selectTargets('platform', [...ids(50), 'platformx'], { seed: 's' })).toContain('platformx');
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and values in [0, 1)', () => {
    const a = seededRandom('x');
    const b = seededRandom('x');
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
