/**
 * The iteration order of a `java.util.HashMap<String, V>` filled with `keys` in that order, computed the way
 * OpenJDK 17 does it: `String.hashCode`, the spread `h ^ (h >>> 16)`, a power-of-two table that doubles past a
 * load factor of 0.75 (a split keeps each bucket's relative order), buckets in index order and, inside a bucket,
 * insertion order. (Buckets only turn into trees at 8 colliding keys, which the names used here never reach.)
 *
 * Kafka's ScramDelta keeps the changes of a metadata delta in such a map, and whether its bug locks users out
 * depends on this order (docs/upstream/kafka-scram-delta.md), so the regression test uses it to pick user names
 * that do trigger the bug on an unmitigated broker: a test that could not fail would prove nothing.
 */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

export function javaHashMapOrder(keys: readonly string[]): string[] {
  const unique = [...new Set(keys)];
  let capacity = 16;
  while (unique.length > capacity * 0.75) capacity *= 2;
  const bucket = (k: string) => {
    const h = javaStringHash(k);
    return ((h ^ (h >>> 16)) >>> 0) & (capacity - 1);
  };
  return unique
    .map((k, insertion) => ({ k, b: bucket(k), insertion }))
    .sort((x, y) => x.b - y.b || x.insertion - y.insertion)
    .map((e) => e.k);
}
