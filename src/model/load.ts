import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioReason, type Problem } from '../errors';
import { contentDigest, type DecodeCache, openDecodeCache } from './decode-cache';
import { locatedOnDemand, readYaml, unreadableProblem } from './input-files';
import { type Locator, withPositions } from './source-map';
import { parseTenant, type TenantSpec } from './tenant-schema';

/** A tenant file that decoded successfully. */
export interface ParsedTenant {
  /** Path relative to the project root, with `/` separators (e.g. `tenants/acme.yaml`). */
  readonly file: string;
  readonly spec: TenantSpec;
  /** Line and column of each field of the file, by path: what problems and the model's sources point at. */
  readonly locate: Locator;
}

export interface LoadResult {
  /** Sorted by file. Includes tenants whose file name does not match their id, so cross-tenant rules still run. */
  readonly tenants: readonly ParsedTenant[];
  readonly problems: readonly Problem[];
}

/** A tenant file's name: `<id>.yaml` (or .yml); dot files are never tenant files. */
export const TENANT_FILE = /\.ya?ml$/;

export interface LoadOptions {
  /**
   * Folder of the decoded-file cache (decode-cache.ts): files whose bytes an earlier run decoded are not parsed
   * again. @default - none: every file is decoded
   */
  readonly cacheDir?: string;
}

/**
 * Read every `*.yaml` / `*.yml` file directly in `dir` (other files, sub-folders and dotfiles are ignored) and
 * decode each one. A symlink is followed when it points to a regular file inside the project root or the tenants
 * folder, and refused with a problem otherwise. Never throws for a bad file: every problem of every file is
 * collected, so one run reports them all.
 */
export function loadTenantFiles(dir: string, root: string, options: LoadOptions = {}): LoadResult {
  // Relative to the project (`tenants/acme.yaml`); absolute for folders outside it, where `../../` helps nobody.
  const rel = (f: string) => {
    const r = path.relative(root, f);
    return r.startsWith('..') ? f : r.split(path.sep).join('/');
  };
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    return {
      tenants: [],
      problems: [
        {
          file: rel(dir) || '.',
          path: '',
          code: 'missing_dir',
          message:
            'tenants folder not found; create it and add one <tenant id>.yaml per tenant (see tenants/README.md)',
        },
      ],
    };
  }
  const entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && TENANT_FILE.test(e.name) && !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tenants: ParsedTenant[] = [];
  const problems: Problem[] = [];
  const cache = options.cacheDir === undefined ? undefined : openDecodeCache<TenantSpec>(options.cacheDir, dir);
  // rel() of each file, from the folder's: path.relative per file is a noticeable cost in a large fleet
  const relDir = path.relative(root, dir);
  const shownDir = relDir.split(path.sep).join('/');
  const fileOf = (name: string, full: string) =>
    relDir.startsWith('..') ? full : relDir === '' ? name : `${shownDir}/${name}`;
  for (const entry of entries) {
    const name = entry.name;
    const full = path.join(dir, name);
    const file = fileOf(name, full);
    const refused = entry.isSymbolicLink() ? refuseSymlink(full, [root, dir]) : undefined;
    if (refused) {
      problems.push({ file, path: '', code: 'symlink', message: refused });
      continue;
    }
    let text: string;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch (err) {
      problems.push(unreadableProblem(file, err));
      continue;
    }
    const decoded = decodeTenant(file, text, name.replace(TENANT_FILE, ''), cache);
    problems.push(...decoded.problems);
    if (decoded.tenant) tenants.push(decoded.tenant);
  }
  cache?.save();
  return { tenants, problems };
}

/**
 * Decode the text of one tenant file: its problems (with line and column where the path resolves) and, when it
 * decodes, the tenant. With `expectedId` (the file name without extension), a different id is a problem too.
 * With `cache`, a file decoded before is taken from it (its positions are found when first asked for).
 */
export function decodeTenant(
  file: string,
  text: string,
  expectedId?: string,
  cache?: DecodeCache<TenantSpec>,
): { tenant?: ParsedTenant; problems: Problem[] } {
  const digest = cache === undefined ? undefined : contentDigest(text);
  const cached = digest === undefined ? undefined : cache?.get(digest);
  let spec: TenantSpec | undefined;
  let locate: Locator;
  const problems: Problem[] = [];
  if (cached) {
    spec = cached;
    locate = locatedOnDemand(file, text);
  } else {
    const raw = readYaml(file, text);
    if ('problems' in raw) return { problems: raw.problems };
    const parsed = parseTenant(file, raw.value);
    problems.push(...parsed.problems);
    spec = parsed.spec;
    locate = raw.locate;
    if (digest !== undefined && spec && problems.length === 0) cache?.put(digest, spec);
  }
  if (spec && expectedId !== undefined && spec.id !== expectedId) {
    problems.push({
      file,
      path: 'id',
      code: 'file_name_mismatch',
      message: `"${spec.id}" does not match the file name "${path.basename(file)}"; the file name must be the tenant id: rename the file to ${spec.id}.yaml or set id: ${expectedId}`,
    });
  }
  const located = withPositions(problems, new Map([[file, locate]]));
  return { tenant: spec ? { file, spec, locate } : undefined, problems: located };
}

/**
 * Why the symlink `link` cannot be a tenant file, or undefined when it points to a regular file inside one of
 * `allowed` (folders). Judged on real paths, so a chain of links or a `..` cannot leave them.
 */
function refuseSymlink(link: string, allowed: readonly string[]): string | undefined {
  const shown = fs.readlinkSync(link);
  let target: string;
  try {
    target = fs.realpathSync(link);
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${ioReason(err)})`;
    return `symlink to ${shown}, which ${reason}; point it at a tenant file in this project or replace it with the file`;
  }
  const inside = allowed.some((dir) => {
    const r = path.relative(realpathOr(dir), target);
    return r !== '' && r !== '..' && !r.startsWith('..' + path.sep) && !path.isAbsolute(r);
  });
  if (!inside) {
    return `symlink to ${shown}, which is outside the project root; tenant files must live in the project (copy the file in instead)`;
  }
  if (!fs.statSync(target).isFile()) {
    return `symlink to ${shown}, which is not a regular file; point it at a tenant file or remove it`;
  }
  return undefined;
}

function realpathOr(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}
