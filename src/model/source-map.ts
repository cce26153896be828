/**
 * Where each value of a parsed YAML file is. The loaders keep the parsed document and its line counter, and
 * hand out a `Locator` per file: a field path (`applications[0].produces[1]`, the form problems and the model
 * use) → line and column. Problems get their position from it after the fact, and the model copies it into
 * every topic, principal and ACL source, so nothing ever re-reads a file to find a line.
 */
import { type Document, isAlias, isCollection, isMap, isPair, isScalar, isSeq, type LineCounter } from 'yaml';
import type { Problem } from '../errors';
import type { SourceLocation } from '../source';

/**
 * The location of the value at `path` in one file. A missing entry points at the mapping or list that should
 * hold it; `at: 'key'` points at the key instead of its value (unknown keys). Undefined for the whole file (`''`),
 * for a path that is not of the field-path form, and when the file has no content.
 */
export type Locator = (path: string, at?: 'value' | 'key') => SourceLocation | undefined;

interface Ranged {
  range?: readonly [number, number, number] | null;
}

const startOf = (node: unknown): number | undefined => (node as Ranged | null)?.range?.[0] ?? undefined;

/** The key of a mapping entry as the path spells it (`compression.type`, `topic-per-tenant`, `0`). */
const keyText = (key: unknown): string => String(isScalar(key) ? key.value : key);

/** A locator for `doc`, parsed with `lineCounter`, of `file` (relative to the project root). */
export function documentLocator(file: string, doc: Document, lineCounter: LineCounter): Locator {
  return (path, at = 'value') => {
    if (path === '' || /[[\]()]/.test(path.replace(/\[\d+\]/g, ''))) return undefined;
    const offset = offsetOf(doc, path, at);
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col, path };
  };
}

/**
 * Follow `path` from the document root. Keys may contain dots (`config.compression.type`), so at a mapping the
 * longest key that the rest of the path starts with wins.
 */
function offsetOf(doc: Document, path: string, at: 'value' | 'key'): number | undefined {
  let node: unknown = doc.contents;
  /** Where to point if the next step is missing: the collection that should hold it. */
  let parent = startOf(node);
  let rest = path;
  // Bounded by the path's length: every step consumes at least one character.
  while (rest !== '') {
    if (isAlias(node)) node = node.resolve(doc);
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      const item: unknown = isSeq(node) ? node.items[Number(index[1])] : undefined;
      if (item === undefined || item === null) return parent;
      rest = rest.slice(index[0].length);
      node = item;
      parent = startOf(item) ?? parent;
      if (rest === '') return parent;
      continue;
    }
    if (rest.startsWith('.')) rest = rest.slice(1);
    if (!isMap(node)) return parent;
    let best: { key: unknown; value: unknown; text: string } | undefined;
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const text = keyText(pair.key);
      const fits = rest === text || rest.startsWith(`${text}.`) || rest.startsWith(`${text}[`);
      if (fits && (!best || text.length > best.text.length)) best = { key: pair.key, value: pair.value, text };
    }
    if (!best) return parent;
    rest = rest.slice(best.text.length);
    const keyAt = startOf(best.key);
    if (rest === '') {
      // A scalar points at itself; a collection (which may start on the next line) and an empty value at the key.
      if (at === 'key' || best.value === null || isCollection(best.value)) return keyAt ?? parent;
      return startOf(best.value) ?? keyAt ?? parent;
    }
    node = best.value;
    parent = (isCollection(node) ? startOf(node) : undefined) ?? keyAt ?? parent;
  }
  return parent;
}

/** Codes whose path names a key that should not be there: they point at the key, not at its value. */
const KEY_CODES = new Set(['unrecognized_keys', 'config_key_not_allowed']);

/**
 * `problems` with `line` and `col` filled in wherever the problem's file has a locator and its path resolves
 * (problems that already carry a position are left alone).
 */
export function withPositions(problems: readonly Problem[], locators: ReadonlyMap<string, Locator>): Problem[] {
  return problems.map((p) => {
    if (p.line !== undefined) return p;
    const loc = locators.get(p.file)?.(p.path, KEY_CODES.has(p.code) ? 'key' : 'value');
    return loc ? { ...p, line: loc.line, col: loc.col } : p;
  });
}

/**
 * Where a declaration is, or, when the locator cannot say, the file itself (line 1) with the path. Resolved when one
 * of its fields is first read: a fleet's model holds thousands of locations and a command reads few of them (a file
 * taken from the decode cache is parsed again only then). Its fields are enumerable accessors in the object literal,
 * so keys, their order, spreading, JSON and equality are those of a plain object.
 */
export function locationOf(locate: Locator, file: string, path: string): SourceLocation {
  let resolved: SourceLocation | undefined;
  const at = () => (resolved ??= locate(path) ?? { file, line: 1, col: 1, path });
  return {
    get file() {
      return at().file;
    },
    get line() {
      return at().line;
    },
    get col() {
      return at().col;
    },
    get path() {
      return at().path;
    },
  };
}
