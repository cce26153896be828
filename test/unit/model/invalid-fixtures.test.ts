/**
 * Golden fixtures: test/fixtures/invalid/<case>.yaml is one tenant file, <case>.expected.txt the exact
 * problems `loadModel` reports for it next to the valid neighbours in test/fixtures/valid.
 * UPDATE_FIXTURES=1 rewrites the expected files (review the diff before committing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatProblem } from '../../../src/errors';
import { loadModel } from '../../../src/model/build';
import { RULES } from '../../../src/model/validate';
import { INVALID_DIR, makeRoot, thrownProblems } from './helpers';

const cases = fs
  .readdirSync(INVALID_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

const read = (f: string) => fs.readFileSync(path.join(INVALID_DIR, f), 'utf8');

function run(files: Record<string, string>, neighbours: boolean) {
  const root = makeRoot(files, { neighbours });
  return thrownProblems(() => loadModel({ env: 'test', root }));
}

/** Every case run once, next to the valid neighbours. */
const results = new Map<string, ReturnType<typeof run>>();
beforeAll(() => {
  for (const c of cases) results.set(c, run({ [`${c}.yaml`]: read(`${c}.yaml`) }, true));
});

describe('invalid tenant fixtures', () => {
  it('has at least 30 cases, each with its expected problems', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) expect(fs.existsSync(path.join(INVALID_DIR, `${c}.expected.txt`))).toBe(true);
  });

  it.each(cases)('reports exactly the expected problems for %s', (c) => {
    const problems = results.get(c) ?? [];
    const actual = problems.map(formatProblem).join('\n') + '\n';
    if (process.env.UPDATE_FIXTURES === '1') fs.writeFileSync(path.join(INVALID_DIR, `${c}.expected.txt`), actual);
    expect(problems.length).toBeGreaterThan(0);
    expect(actual).toBe(read(`${c}.expected.txt`));
  });

  it('exercises every validation rule at least once', () => {
    const seen = new Set([...results.values()].flatMap((problems) => problems.map((p) => p.code)));
    expect(RULES.map((r) => r.code).filter((code) => !seen.has(code))).toEqual([]);
  });
});

describe('loadModel with several broken files', () => {
  it('reports every problem of every file in one run, sorted', () => {
    // GIVEN cases that do not depend on the neighbours, all in one folder
    const together = [
      'partitions-zero',
      'unknown-key-typo',
      'yaml-duplicate-key',
      'empty-file',
      'pii-unencrypted',
      'consumer-without-group',
      'quota-out-of-bounds',
      'file-name-mismatch',
    ];
    const files = Object.fromEntries(together.map((c) => [`${c}.yaml`, read(`${c}.yaml`)]));
    // WHEN the model is loaded once
    const actual = run(files, false).map(formatProblem);
    // THEN every expected line of every file is there, and nothing else
    const expected = together.flatMap((c) => read(`${c}.expected.txt`).trimEnd().split('\n'));
    expect([...actual].sort()).toEqual([...expected].sort());
    expect(actual.length).toBe(expected.length);
    expect(new Set(actual.map((l) => l.split(':')[0])).size).toBe(together.length);
  });
});
