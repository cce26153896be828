/**
 * Layers point one way and folders never import each other in a circle: checked on the real import graph of
 * src/ (every relative import, type-only ones included), against the table in scripts/layers.js that eslint's
 * import zones also read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LAYERS, ROOT_FILES, HARNESS_IMPORTERS } = require('../../scripts/layers') as {
  LAYERS: { name: string; modules: string[] }[];
  ROOT_FILES: Set<string>;
  HARNESS_IMPORTERS: string[];
};

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
}

/** `src/verify/checks/x.ts` → `verify`; `src/errors.ts` → `errors`. */
const moduleOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!.replace(/\.ts$/, '');

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** file → the files of src/ it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    graph.set(
      file,
      importedFiles
        .filter((i) => i.fileName.startsWith('.'))
        .map((i) => resolve(file, i.fileName))
        .filter((f): f is string => f !== undefined && f.startsWith(SRC + path.sep)),
    );
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('layers (scripts/layers.js)', () => {
  const graph = importGraph();
  const layerOf = new Map(LAYERS.flatMap((l, i) => l.modules.map((m) => [m, i] as const)));
  const modules = new Map<string, Set<string>>();
  for (const [file, deps] of graph) {
    const from = moduleOf(file);
    const set = modules.get(from) ?? new Set<string>();
    for (const d of deps) if (moduleOf(d) !== from) set.add(moduleOf(d));
    modules.set(from, set);
  }

  it('places every folder and root file of src/ in exactly one layer', () => {
    const placed = LAYERS.flatMap((l) => l.modules);
    expect(new Set(placed).size).toBe(placed.length);
    expect([...modules.keys()].filter((m) => !layerOf.has(m)).sort()).toEqual([]);
    expect([...ROOT_FILES].filter((f) => !fs.existsSync(path.join(SRC, `${f}.ts`)))).toEqual([]);
  });

  it('has no import from a layer to a layer above it', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      for (const d of deps) {
        const [a, b] = [layerOf.get(moduleOf(file)), layerOf.get(moduleOf(d))];
        if (a !== undefined && b !== undefined && b > a) {
          upward.push(`${path.relative(SRC, file)} → ${path.relative(SRC, d)}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps the dev harness out of production code: only the `local` command imports src/local', () => {
    const allowed = new Set(HARNESS_IMPORTERS.map((f) => path.resolve(__dirname, '../..', f)));
    const importers = [...graph]
      .filter(([file, deps]) => moduleOf(file) !== 'local' && deps.some((d) => moduleOf(d) === 'local'))
      .map(([file]) => file);
    expect(importers.filter((f) => !allowed.has(f)).map((f) => path.relative(SRC, f))).toEqual([]);
    // not vacuous: the harness is imported, by exactly the allowed files
    expect(importers.sort()).toEqual([...allowed].sort());
  });

  it('has no cycle between folders', () => {
    expect(cycles(modules)).toEqual([]);
  });

  it('has no cycle between files', () => {
    const files = new Map(
      [...graph].map(([f, deps]) => [path.relative(SRC, f), new Set(deps.map((d) => path.relative(SRC, d)))]),
    );
    expect(cycles(files)).toEqual([]);
  });

  it('would notice an upward import (the check is not vacuous)', () => {
    expect(layerOf.get('model')).toBeLessThan(layerOf.get('cli')!);
    expect(
      cycles(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['a'])],
        ]),
      ),
    ).toEqual([['a', 'b']]);
  });
});
