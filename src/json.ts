/**
 * JSON documents that compare and diff well: every object's keys in code-point order (arrays keep theirs),
 * `undefined` members dropped. Used by every `--json` output, the verify report and the committed JSON Schema.
 */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => [k, sortedKeys(o[k])]),
  );
}
