/**
 * Which ordered (actor, target) tenant pairs the cross-tenant checks cover. Every pair up to `fullPairsUpTo`
 * tenants per cluster (50 → 2,450 pairs); beyond that a seeded, deterministic, balanced sample in which every
 * tenant is the actor of `roundsPerTenant` pairs and the target of as many, so no tenant goes unprobed in either
 * role and the same seed always gives the same pairs (a failure can be re-run exactly).
 */

export interface Pair {
  /** The tenant whose principals try. */
  readonly actor: string;
  /** The tenant whose resources they must not reach. */
  readonly target: string;
}

export interface PairOptions {
  readonly seed: string;
  /** @default 50 */
  readonly fullPairsUpTo?: number;
  /** Pairs per tenant and role in the sample. @default 8 */
  readonly roundsPerTenant?: number;
}

export const DEFAULT_FULL_PAIRS_UP_TO = 50;
export const DEFAULT_ROUNDS_PER_TENANT = 8;

/** A small, well-mixed PRNG (mulberry32) seeded from a string hash (FNV-1a); deterministic on every platform. */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let a = h;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with the given random source; returns a new array. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const byPair = (a: Pair, b: Pair) =>
  a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : a.target < b.target ? -1 : a.target > b.target ? 1 : 0;

/** Ordered pairs of distinct tenants: all of them, or the balanced sample described above. Sorted. */
export function selectPairs(tenantIds: readonly string[], options: PairOptions): Pair[] {
  const ids = [...new Set(tenantIds)].sort();
  const n = ids.length;
  if (n < 2) return [];
  const full = options.fullPairsUpTo ?? DEFAULT_FULL_PAIRS_UP_TO;
  if (n <= full) {
    return ids.flatMap((actor) => ids.filter((t) => t !== actor).map((target) => ({ actor, target })));
  }
  const random = seededRandom(`${options.seed}\n${n}`);
  const order = shuffled(ids, random);
  const rounds = Math.min(options.roundsPerTenant ?? DEFAULT_ROUNDS_PER_TENANT, n - 1);
  // Distinct offsets in 1..n-1: pairing position i with i+offset (mod n) never pairs a tenant with itself, never
  // repeats a pair, and makes every tenant the actor `rounds` times and the target `rounds` times.
  const offsets = shuffled(
    Array.from({ length: n - 1 }, (_, i) => i + 1),
    random,
  ).slice(0, rounds);
  const pairs: Pair[] = [];
  order.forEach((actor, i) => {
    for (const k of offsets) pairs.push({ actor, target: order[(i + k) % n]! });
  });
  return pairs.sort(byPair);
}
