/**
 * Which ordered (actor, target) tenant pairs the live negative probes cover. Denial across every pair is proven
 * without probes, from the live ACL bindings (`conformance.acl-reach`, `AclReach` in acl-diff.ts); the probes show
 * that the brokers enforce what those bindings say, so each tenant needs a constant number of them, not one per
 * other tenant:
 *
 * - a seeded, deterministic, balanced sample in which every tenant is the actor of `targetsPerTenant` pairs and the
 *   target of as many (no tenant goes unprobed in either role; the same seed gives the same pairs, so a failure can
 *   be re-run exactly), plus
 * - every pair of tenants whose ids share a prefix (`acme` and `acme-eu`), both ways: a PREFIXED binding that lost
 *   its separator (`acme`) reaches exactly those, so they are never left to chance.
 *
 * `exhaustive` gives every ordered pair (O(N²) probes, today's full matrix).
 */

export interface Pair {
  /** The tenant whose principals try. */
  readonly actor: string;
  /** The tenant whose resources they must not reach. */
  readonly target: string;
}

export interface PairOptions {
  readonly seed: string;
  /** Every ordered pair instead of the sample. @default false */
  readonly exhaustive?: boolean;
  /** Seeded foreign targets per tenant (and times each tenant is a target), prefix relatives aside. @default 3 */
  readonly targetsPerTenant?: number;
}

export const DEFAULT_TARGETS_PER_TENANT = 3;

/** mulberry32: a small, well-mixed PRNG, the same sequence on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mulberry32 seeded from a string hash (FNV-1a); deterministic on every platform. */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mulberry32(h);
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

const key = (p: Pair) => `${p.actor}\n${p.target}`;

/** Do two ids share a prefix the way `acme` and `acme-eu` do (one starts with the other)? */
export function sharePrefix(a: string, b: string): boolean {
  return a !== b && (a.startsWith(b) || b.startsWith(a));
}

/**
 * Ordered pairs of distinct ids that share a prefix, both ways, sorted. O(N log N + pairs): after sorting, the ids
 * an id is the start of follow it directly.
 */
export function prefixRelatives(tenantIds: readonly string[]): Pair[] {
  const ids = [...new Set(tenantIds)].sort();
  const out: Pair[] = [];
  ids.forEach((short, i) => {
    for (let j = i + 1; j < ids.length && ids[j]!.startsWith(short); j++) {
      out.push({ actor: short, target: ids[j]! }, { actor: ids[j]!, target: short });
    }
  });
  return out.sort(byPair);
}

/** Every ordered pair of distinct ids, sorted. */
export function allPairs(tenantIds: readonly string[]): Pair[] {
  const ids = [...new Set(tenantIds)].sort();
  return ids.flatMap((actor) => ids.filter((t) => t !== actor).map((target) => ({ actor, target })));
}

/**
 * Ordered pairs of distinct tenants: the balanced seeded sample plus every prefix-sharing pair, or all of them
 * (`exhaustive`). Sorted, no duplicates.
 */
export function selectPairs(tenantIds: readonly string[], options: PairOptions): Pair[] {
  const ids = [...new Set(tenantIds)].sort();
  const n = ids.length;
  if (n < 2) return [];
  if (options.exhaustive) return allPairs(ids);
  const random = seededRandom(`${options.seed}\n${n}`);
  const order = shuffled(ids, random);
  const rounds = Math.max(0, Math.min(options.targetsPerTenant ?? DEFAULT_TARGETS_PER_TENANT, n - 1));
  // Distinct offsets in 1..n-1: pairing position i with i+offset (mod n) never pairs a tenant with itself, never
  // repeats a pair, and makes every tenant the actor `rounds` times and the target `rounds` times.
  const offsets = shuffled(
    Array.from({ length: n - 1 }, (_, i) => i + 1),
    random,
  ).slice(0, rounds);
  const pairs = new Map<string, Pair>();
  order.forEach((actor, i) => {
    for (const k of offsets) {
      const p = { actor, target: order[(i + k) % n]! };
      pairs.set(key(p), p);
    }
  });
  for (const p of prefixRelatives(ids)) pairs.set(key(p), p);
  return [...pairs.values()].sort(byPair);
}

/**
 * Targets for an owner that is not one of `tenantIds` (the platform consumers): `targetsPerTenant` seeded ones
 * plus every id sharing a prefix with `actor`; all of them when `exhaustive`. Sorted.
 */
export function selectTargets(actor: string, tenantIds: readonly string[], options: PairOptions): string[] {
  const ids = [...new Set(tenantIds)].filter((t) => t !== actor).sort();
  if (options.exhaustive) return ids;
  const k = Math.max(0, options.targetsPerTenant ?? DEFAULT_TARGETS_PER_TENANT);
  const sample = shuffled(ids, seededRandom(`${options.seed}\n${actor}\n${ids.length}`)).slice(0, k);
  return [...new Set([...sample, ...ids.filter((t) => sharePrefix(actor, t))])].sort();
}
