import fc from 'fast-check';
import { selectPairs, seededRandom } from '../../../src/verify/pairs';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i).padStart(4, '0')}`);
const key = (p: { actor: string; target: string }) => `${p.actor}->${p.target}`;

describe('selectPairs', () => {
  it('returns every ordered pair of distinct tenants up to 50 tenants', () => {
    const pairs = selectPairs(ids(50), { seed: 's' });
    expect(pairs).toHaveLength(50 * 49);
    expect(new Set(pairs.map(key)).size).toBe(50 * 49);
    expect(pairs.every((p) => p.actor !== p.target)).toBe(true);
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

  it('beyond 50 tenants, makes every tenant the actor and the target of exactly `roundsPerTenant` distinct pairs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 51, max: 300 }),
        fc.integer({ min: 1, max: 12 }),
        fc.string(),
        (n, rounds, seed) => {
          const pairs = selectPairs(ids(n), { seed, roundsPerTenant: rounds });
          expect(pairs).toHaveLength(n * rounds);
          expect(new Set(pairs.map(key)).size).toBe(n * rounds);
          expect(pairs.every((p) => p.actor !== p.target)).toBe(true);
          const asActor = new Map<string, number>();
          const asTarget = new Map<string, number>();
          for (const p of pairs) {
            asActor.set(p.actor, (asActor.get(p.actor) ?? 0) + 1);
            asTarget.set(p.target, (asTarget.get(p.target) ?? 0) + 1);
          }
          expect([...asActor.values()].every((c) => c === rounds)).toBe(true);
          expect([...asTarget.values()].every((c) => c === rounds)).toBe(true);
          expect(asActor.size).toBe(n);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('honours a lower full-pairs threshold', () => {
    expect(selectPairs(ids(10), { seed: 's', fullPairsUpTo: 5, roundsPerTenant: 3 })).toHaveLength(30);
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
