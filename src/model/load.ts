import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Problem } from '../errors';
import { parseTenant, type TenantSpec } from './tenant-schema';

/** A tenant file that decoded successfully. */
export interface ParsedTenant {
  /** Path relative to the project root, with `/` separators (e.g. `tenants/acme.yaml`). */
  readonly file: string;
  readonly spec: TenantSpec;
}

export interface LoadResult {
  /** Sorted by file. Includes tenants whose file name does not match their id, so cross-tenant rules still run. */
  readonly tenants: readonly ParsedTenant[];
  readonly problems: readonly Problem[];
}

const TENANT_FILE = /\.ya?ml$/;

/**
 * Read every `*.yaml` / `*.yml` file directly in `dir` (other files, sub-folders and dotfiles are ignored) and
 * decode each one. Never throws for a bad file: every problem of every file is collected, so one run reports
 * them all.
 */
export function loadTenantFiles(dir: string, root: string): LoadResult {
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
  const names = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && TENANT_FILE.test(e.name) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const tenants: ParsedTenant[] = [];
  const problems: Problem[] = [];
  for (const name of names) {
    const file = rel(path.join(dir, name));
    const raw = readYaml(file, fs.readFileSync(path.join(dir, name), 'utf8'));
    if ('problems' in raw) {
      problems.push(...raw.problems);
      continue;
    }
    const parsed = parseTenant(file, raw.value);
    problems.push(...parsed.problems);
    if (!parsed.spec) continue;
    const expectedId = name.replace(TENANT_FILE, '');
    if (parsed.spec.id !== expectedId) {
      problems.push({
        file,
        path: 'id',
        code: 'file_name_mismatch',
        message: `"${parsed.spec.id}" does not match the file name "${name}"; the file name must be the tenant id: rename the file to ${parsed.spec.id}.yaml or set id: ${expectedId}`,
      });
    }
    tenants.push({ file, spec: parsed.spec });
  }
  return { tenants, problems };
}

function readYaml(file: string, text: string): { value: unknown } | { problems: Problem[] } {
  // prettyErrors: false keeps messages on one line (no code frame); the position comes from the line counter.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length === 0) return { value: doc.toJS() as unknown };
  return {
    problems: doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      const where = ` at line ${pos.line}, column ${pos.col}`;
      const what = e.message.charAt(0).toLowerCase() + e.message.slice(1);
      return { file, path: '', code: 'yaml', message: `not valid yaml${where}: ${what}; fix the syntax` };
    }),
  };
}
