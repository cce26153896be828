/**
 * The decoded-file cache (src/model/decode-cache.ts): a run that takes files from it reports exactly what a run
 * without it reports (problems, their lines and columns, the model), a cache it cannot trust is ignored, and it is
 * written so that concurrent runs never see half of one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem } from '../../../src/errors';
import { loadModel } from '../../../src/model/build';
import { contentDigest, openDecodeCache } from '../../../src/model/decode-cache';
import { loadTenantFiles } from '../../../src/model/load';
import { HEADER, INVALID_DIR, makeRoot, thrownProblems } from './helpers';

const caches: string[] = [];
afterAll(() => caches.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const newCacheDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-decode-cache-'));
  caches.push(dir);
  return dir;
};
const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const cacheDoc = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, cacheFiles(dir)[0]!), 'utf8')) as {
    tool: string;
    entries: Record<string, Record<string, unknown>>;
  };

const tenantText = (id: string, extra = '') =>
  `id: ${id}\n${HEADER}\ntier: topic-per-tenant\nclassification: internal\ntopics:\n  - name: orders\n    partitions: 3\napplications:\n  - name: api\n    produces: [orders]\n${extra}`;

/** Everything a load reports: problems as printed, and each tenant's spec and positions. */
function loaded(root: string, cacheDir?: string) {
  const { tenants, problems } = loadTenantFiles(path.join(root, 'tenants'), root, { cacheDir });
  return {
    problems: problems.map(formatProblem),
    tenants: tenants.map((t) => ({
      file: t.file,
      spec: t.spec,
      at: ['id', 'topics[0]', 'applications[0].produces[0]', 'applications[0].missing', 'nope'].map((p) => t.locate(p)),
    })),
  };
}

describe('decoded-file cache', () => {
  it('gives the same tenants, positions and problems from the cache as without it', () => {
    const root = makeRoot(
      { 'acme.yaml': tenantText('acme'), 'beta.yaml': tenantText('beta'), 'bad.yaml': 'id: bad\npartitons: 1\n' },
      { neighbours: true },
    );
    const cacheDir = newCacheDir();
    const without = loaded(root);
    expect(loaded(root, cacheDir)).toEqual(without); // cold: decodes, fills the cache
    expect(cacheFiles(cacheDir)).toHaveLength(1);
    // the files that decode without a problem: acme, beta (over the neighbour's), alpha, delta, gamma
    expect(Object.keys(cacheDoc(cacheDir).entries)).toHaveLength(5);
    expect(loaded(root, cacheDir)).toEqual(without); // warm
  });

  it('reports exactly the golden problems of every invalid fixture when the neighbours come from the cache', () => {
    const cacheDir = newCacheDir();
    for (const c of fs.readdirSync(INVALID_DIR).filter((f) => f.endsWith('.yaml'))) {
      const root = makeRoot({ [c]: fs.readFileSync(path.join(INVALID_DIR, c), 'utf8') }, { neighbours: true });
      const expected = fs.readFileSync(path.join(INVALID_DIR, c.replace(/\.yaml$/, '.expected.txt')), 'utf8');
      for (const run of ['cold', 'warm']) {
        const actual = thrownProblems(() => loadModel({ env: 'test', root, cacheDir })).map(formatProblem);
        expect([c, run, actual.join('\n') + '\n']).toEqual([c, run, expected]);
      }
    }
  });

  it('builds the same model from the cache', () => {
    const root = makeRoot({ 'acme.yaml': tenantText('acme') }, { neighbours: true });
    const cacheDir = newCacheDir();
    const without = JSON.stringify(loadModel({ env: 'test', root }));
    loadModel({ env: 'test', root, cacheDir });
    expect(JSON.stringify(loadModel({ env: 'test', root, cacheDir }))).toBe(without);
  });

  it('keeps the decoded environment file by its bytes too: same model and positions, rules run every time', () => {
    const root = makeRoot({ 'acme.yaml': tenantText('acme') }, { neighbours: true });
    const cacheDir = newCacheDir();
    const envFile = path.join(root, 'environments', 'test.yaml');
    const without = loadModel({ env: 'test', root });
    loadModel({ env: 'test', root, cacheDir });
    expect(cacheFiles(cacheDir).filter((f) => f.startsWith('environment-'))).toHaveLength(1);
    const warm = loadModel({ env: 'test', root, cacheDir });
    expect(JSON.stringify(warm)).toBe(JSON.stringify(without));
    // platform positions come from the environment file, parsed again only for them
    expect(warm.platform.topics.map((t) => `${t.source.file}:${t.source.line}`)).toEqual(
      without.platform.topics.map((t) => `${t.source.file}:${t.source.line}`),
    );
    // an edited environment is decoded again; a broken one is refused with its position, cache or not
    const text = fs.readFileSync(envFile, 'utf8');
    fs.writeFileSync(envFile, text.replace(/^sharedCluster: .*$/m, 'sharedCluster: nowhere'));
    const refused = thrownProblems(() => loadModel({ env: 'test', root, cacheDir })).map(formatProblem);
    expect(refused).toEqual(thrownProblems(() => loadModel({ env: 'test', root })).map(formatProblem));
    // it decodes (the schema holds), so it is kept: the rules refuse it again from the cache
    expect(thrownProblems(() => loadModel({ env: 'test', root, cacheDir })).map(formatProblem)).toEqual(refused);
    expect(refused.join('\n')).toMatch(/environments\/test\.yaml:\d+:\d+: sharedCluster/);
    fs.writeFileSync(envFile, text);
    expect(JSON.stringify(loadModel({ env: 'test', root, cacheDir }))).toBe(JSON.stringify(without));
  });

  it('takes a file from the cache by its bytes only, and decodes a changed file again', () => {
    const root = makeRoot({ 'acme.yaml': tenantText('acme') });
    const cacheDir = newCacheDir();
    loaded(root, cacheDir);
    // an entry is trusted as it is: editing the cached spec shows that the second run read it
    const file = path.join(cacheDir, cacheFiles(cacheDir)[0]!);
    const doc = cacheDoc(cacheDir);
    const digest = contentDigest(tenantText('acme'));
    doc.entries[digest]!.owner = 'from-the-cache';
    fs.writeFileSync(file, JSON.stringify(doc));
    expect(loaded(root, cacheDir).tenants[0]?.spec.owner).toBe('from-the-cache');
    // a changed file has other bytes: decoded again
    fs.writeFileSync(path.join(root, 'tenants', 'acme.yaml'), tenantText('acme').replace('team-x', 'team-y'));
    expect(loaded(root, cacheDir).tenants[0]?.spec.owner).toBe('team-y');
  });

  it.each([
    ['not JSON', () => '{ "format": 1, "tool": '],
    ['of another tool version', (doc: object) => JSON.stringify({ ...doc, tool: 'another' })],
    ['of another format', (doc: object) => JSON.stringify({ ...doc, format: 0 })],
    [
      'with entries that are not objects',
      (doc: { entries: object }) =>
        JSON.stringify({ ...doc, entries: Object.fromEntries(Object.keys(doc.entries).map((k) => [k, 'x'])) }),
    ],
  ])('ignores a cache file %s, and writes a good one', (_name, corrupt) => {
    const root = makeRoot({ 'acme.yaml': tenantText('acme'), 'beta.yaml': tenantText('beta') });
    const cacheDir = newCacheDir();
    const without = loaded(root);
    loaded(root, cacheDir);
    const file = path.join(cacheDir, cacheFiles(cacheDir)[0]!);
    fs.writeFileSync(file, corrupt(cacheDoc(cacheDir) as never));
    expect(loaded(root, cacheDir)).toEqual(without);
    expect(Object.keys(cacheDoc(cacheDir).entries)).toHaveLength(2);
  });

  it('rewrites the cache when 1 in 20 entries would change, not for each edited file', () => {
    const id = (i: number) => `tenant-${String(i).padStart(2, '0')}`;
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${id(i)}.yaml`, tenantText(id(i))]));
    const root = makeRoot(files);
    const cacheDir = newCacheDir();
    loaded(root, cacheDir);
    const read = () => fs.readFileSync(path.join(cacheDir, cacheFiles(cacheDir)[0]!), 'utf8');
    const before = read();
    fs.writeFileSync(path.join(root, 'tenants', `${id(0)}.yaml`), tenantText(id(0)).replace('team-x', 'team-y'));
    expect(loaded(root, cacheDir).tenants[0]?.spec.owner).toBe('team-y'); // decoded, not from the cache
    expect(read() === before).toBe(true); // one file edited: 2 changes (an entry new, one gone) in 50
    fs.writeFileSync(path.join(root, 'tenants', `${id(1)}.yaml`), tenantText(id(1)).replace('team-x', 'team-y'));
    loaded(root, cacheDir);
    const after = cacheDoc(cacheDir);
    expect(Object.keys(after.entries)).toHaveLength(50); // 4 changes in 50: exactly the current files' entries
    expect(after.entries[contentDigest(tenantText(id(0)))]).toBeUndefined();
  });

  it('writes through a temporary file: concurrent writers leave one whole cache file and no temporary files', () => {
    const root = makeRoot({ 'acme.yaml': tenantText('acme'), 'beta.yaml': tenantText('beta') });
    const cacheDir = newCacheDir();
    const dir = path.join(root, 'tenants');
    const a = openDecodeCache(cacheDir, dir);
    const b = openDecodeCache(cacheDir, dir);
    const { tenants } = loadTenantFiles(dir, root);
    tenants.forEach((t, i) =>
      (i === 0 ? a : b).put(contentDigest(fs.readFileSync(path.join(root, t.file), 'utf8')), t.spec),
    );
    a.save();
    b.save();
    expect(cacheFiles(cacheDir)).toHaveLength(1);
    expect(Object.keys(cacheDoc(cacheDir).entries)).toHaveLength(1); // the last writer's, whole
  });

  it('keeps the 16 most recently used cache files and removes temporary files left behind', () => {
    const cacheDir = newCacheDir();
    const old = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 20; i++) {
      const f = path.join(cacheDir, `tenant-files-${String(i).padStart(16, '0')}.json`);
      fs.writeFileSync(f, '{}');
      fs.utimesSync(f, old, new Date(old.getTime() + i * 1000));
    }
    fs.writeFileSync(path.join(cacheDir, 'tenant-files-x.json.1.abc.tmp'), '');
    fs.utimesSync(path.join(cacheDir, 'tenant-files-x.json.1.abc.tmp'), old, old);
    loaded(makeRoot({ 'acme.yaml': tenantText('acme') }), cacheDir);
    const left = cacheFiles(cacheDir);
    expect(left).toHaveLength(16);
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(left).not.toContain(`tenant-files-${'0'.repeat(16)}.json`); // the oldest went first
  });

  it('keeps no file that has a problem', () => {
    const root = makeRoot({ 'bad.yaml': tenantText('bad').replace('partitions: 3', 'partitions: 0') });
    const cacheDir = newCacheDir();
    const without = loaded(root);
    expect(without.problems).toEqual([expect.stringMatching(/^tenants\/bad\.yaml:8:17: topics\[0\]\.partitions: /)]);
    expect(loaded(root, cacheDir)).toEqual(without);
    expect(cacheFiles(cacheDir)).toEqual([]);
    expect(loaded(root, cacheDir)).toEqual(without);
  });
});
