/**
 * A content-addressed cache of decoded tenant files, so that a run over a large, mostly unchanged fleet does not
 * parse and schema-check every file again: sha256 of the file's bytes → the decoded spec.
 *
 * - Entries are keyed by the file's bytes alone, and the whole cache by a tool key: our version plus a digest of the
 *   code that decodes (src/model and the modules beside it) and of the yaml and zod versions. Edit the schema, and
 *   the next run decodes every file again.
 * - Only files that decode without a problem are kept, and only their spec: what the tenant declared, nothing from
 *   the environment, never a secret. Positions are not kept: a file read from the cache is parsed again only when
 *   something asks where one of its values is (a problem, an `explain`, a stack being synthesized).
 * - One file per tenants folder (`<cache dir>/tenant-files-<hash of the folder>.json`) holding its files' entries,
 *   written to a temporary file, then renamed over the old one, so a concurrent run reads the old or the new, never
 *   half of one. It is rewritten (with exactly the entries of the folder's current files) when the new entries
 *   plus the entries no file has any more reach 1 in 20, not on every edit: a pull request's few new or edited
 *   files are decoded again on each run, which costs less than rewriting a large fleet's cache each time. The
 *   MAX_FILES most recently used cache files are kept (tests and benchmarks make throwaway folders); older ones
 *   are removed when one is written.
 * - A cache that cannot be read, parsed or written is ignored: the files are decoded as if there were none.
 * - Validation is never cached: every rule runs over every tenant on every run.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const FORMAT = 1;
/** Cache files kept in a cache folder (one per tenants folder used). */
const MAX_FILES = 16;
const CACHE_FILE = /^(tenant-files|environment)-[0-9a-f]{16}\.json$/;
/** A temporary file older than this was left by a run that died before renaming it. */
const STALE_TMP_MS = 10 * 60_000;

/** A decoded tenant file (tenant-schema.ts's `TenantSpec`; not imported, which would close an import cycle). */
type Spec = Record<string, unknown>;

export interface DecodeCache<T extends object = Spec> {
  /** The spec of a file with these bytes, if an earlier run decoded it. */
  get(digest: string): T | undefined;
  /** Keep the spec of a file that decoded without problems (ignored unless it is plain JSON data). */
  put(digest: string, spec: T): void;
  /** Write the entries this run used, if they differ from what was read. Never throws. */
  save(): void;
}

/**
 * sha256 of a file's text, the key of its entry. `crypto.hash` (Node ≥ 20.12, hex by default) is one call instead of
 * a Hash object: half the cost over a fleet's files; older Node versions have only the object.
 */
export const contentDigest = (text: string): string =>
  typeof oneShotHash === 'function' ? oneShotHash('sha256', text) : createHash('sha256').update(text).digest('hex');

/** The cache of the tenant files of `tenantsDir`, kept in `cacheDir`. */
export function openDecodeCache<T extends object = Spec>(cacheDir: string, tenantsDir: string): DecodeCache<T> {
  const file = path.join(
    cacheDir,
    `tenant-files-${createHash('sha256').update(path.resolve(tenantsDir)).digest('hex').slice(0, 16)}.json`,
  );
  const tool = toolKey();
  const stored = readEntries(file, tool) as Map<string, T>;
  const used = new Map<string, T>();
  let added = 0;
  return {
    get(digest) {
      const spec = stored.get(digest);
      if (spec !== undefined) used.set(digest, spec);
      return spec;
    },
    put(digest, spec) {
      if (used.has(digest) || !isPlainData(spec)) return;
      used.set(digest, spec);
      added++;
    },
    save() {
      const changes = added + (stored.size - (used.size - added)); // new entries + entries no file has any more
      if (changes === 0 || (stored.size > 0 && changes * 20 < used.size)) return touch(file);
      if (writeEntries(file, tool, used)) prune(cacheDir);
    },
  };
}

/**
 * One file decoded by its bytes (the environment file, whose decode grows with its clusters): the value an earlier
 * run decoded from the same bytes with the same tool, or `decode()`'s, which is kept when it is plain data. `decode`
 * throws for a file with problems; nothing is kept then. Without `cacheDir`, just `decode()`.
 */
export function decodeOnce<T>(
  cacheDir: string | undefined,
  file: string,
  text: string,
  decode: () => T,
): { value: T; cached: boolean } {
  if (cacheDir === undefined) return { value: decode(), cached: false };
  const entry = path.join(
    cacheDir,
    `environment-${createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 16)}.json`,
  );
  const tool = toolKey();
  const digest = contentDigest(text);
  try {
    const doc = JSON.parse(fs.readFileSync(entry, 'utf8')) as unknown;
    if (isRecord(doc) && doc.format === FORMAT && doc.tool === tool && doc.digest === digest && 'value' in doc) {
      touch(entry);
      return { value: doc.value as T, cached: true };
    }
  } catch {
    // missing, unreadable or corrupt: decode
  }
  const value = decode();
  if (isPlainData(value)) {
    if (writeCacheFile(entry, { format: FORMAT, tool, digest, value })) prune(cacheDir);
  }
  return { value, cached: false };
}

function readEntries(file: string, tool: string): Map<string, unknown> {
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!isRecord(doc) || doc.format !== FORMAT || doc.tool !== tool || !isRecord(doc.entries)) return new Map();
    return new Map(Object.entries(doc.entries).filter(([, spec]) => isRecord(spec)));
  } catch {
    return new Map(); // missing, unreadable or corrupt: decode everything
  }
}

/** Whether it was written. */
function writeEntries(file: string, tool: string, entries: ReadonlyMap<string, unknown>): boolean {
  return writeCacheFile(file, { format: FORMAT, tool, entries: Object.fromEntries(entries) });
}

/** Write `doc` as JSON to a temporary file renamed over `file` (readers see the old or the new); whether it was. */
function writeCacheFile(file: string, doc: unknown): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(doc));
    fs.renameSync(tmp, file);
    return true;
  } catch {
    fs.rmSync(tmp, { force: true }); // a cache that cannot be written is no cache: the run goes on
    return false;
  }
}

/** Mark a cache file as used now (pruning keeps the most recently used ones). */
function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // no cache file (nothing was worth writing yet), or a read-only cache: nothing to mark
  }
}

/** Keep the MAX_FILES most recently used cache files of `dir`; remove temporary files left by runs that died. */
function prune(dir: string): void {
  try {
    const now = Date.now();
    const files = fs
      .readdirSync(dir)
      .filter((name) => CACHE_FILE.test(name) || name.endsWith('.tmp'))
      .map((name) => ({ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }));
    const stale = files.filter((f) => f.name.endsWith('.tmp') && now - f.mtime > STALE_TMP_MS);
    const old = files
      .filter((f) => CACHE_FILE.test(f.name))
      .sort((a, b) => b.mtime - a.mtime)
      .slice(MAX_FILES);
    for (const f of [...stale, ...old]) fs.rmSync(path.join(dir, f.name), { force: true });
  } catch {
    // another run pruning at the same time, or an unreadable folder: leave it for the next write
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Whether JSON gives `v` back exactly: null, booleans, strings, finite numbers but -0, dense arrays, plain objects. */
function isPlainData(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object':
      if (v === null) return true;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!(i in v) || !isPlainData(v[i])) return false;
        return Object.keys(v).length === v.length;
      }
      return isRecord(v) && Object.values(v).every(isPlainData);
    default:
      return false; // undefined, functions, symbols, bigints
  }
}

let toolKeyMemo: string | undefined;

/**
 * Our version and a digest of the code a decode depends on: every file of src/model (this folder, compiled or not)
 * and of the root modules beside it, and the versions of yaml and zod. Computed once per process.
 */
export function toolKey(): string {
  if (toolKeyMemo !== undefined) return toolKeyMemo;
  const hash = createHash('sha256');
  const src = path.dirname(__dirname);
  // named relative to src/ (or dist/src/), so that the key does not depend on where the checkout is
  const add = (f: string) => {
    const name = path.relative(src, f);
    try {
      hash.update(`${name}\n`).update(fs.readFileSync(f)).update('\n');
    } catch {
      hash.update(`${name}: unreadable\n`);
    }
  };
  const files = (dir: string, recurse: boolean): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return recurse ? files(p, true) : [];
        return /\.(js|ts)$/.test(e.name) ? [p] : [];
      });
  files(__dirname, true).forEach(add);
  files(src, false).forEach(add);
  for (const pkg of ['yaml/package.json', 'zod/package.json']) {
    try {
      add(require.resolve(pkg));
    } catch {
      hash.update(`${pkg}: not found\n`);
    }
  }
  add(path.join(__dirname, '..', '..', 'package.json'));
  add(path.join(__dirname, '..', '..', '..', 'package.json'));
  toolKeyMemo = hash.digest('hex');
  return toolKeyMemo;
}
