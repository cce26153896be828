/** Shared setup for the model tests: the test environment, temporary project roots, in-memory tenants. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatProblem, ValidationError } from '../../../src/errors';
import { type Environment, type ParsedEnvironment, readEnvironment } from '../../../src/model/environment';
import { decodeTenant, type ParsedTenant } from '../../../src/model/load';

export const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');
export const VALID_DIR = path.join(FIXTURES, 'valid');
export const INVALID_DIR = path.join(FIXTURES, 'invalid');

/** environments/test.yaml of the fixtures: 3-broker clusters shared, shared-eu, dedicated, dedicated-2. */
export function testEnv(): Environment {
  return testEnvironment().env;
}

/** The same, with its file and the positions of its fields (what `buildModel` takes). */
export function testEnvironment(): ParsedEnvironment {
  return readEnvironment('test', FIXTURES);
}

const roots: string[] = [];
afterAll(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/**
 * A throw-away project root with environments/test.yaml and a tenants/ folder holding `files`
 * (name → contents), plus the valid neighbours from test/fixtures/valid when asked.
 */
export function makeRoot(files: Record<string, string>, options: { neighbours?: boolean } = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-tenancy-model-'));
  roots.push(root);
  fs.mkdirSync(path.join(root, 'environments'));
  fs.copyFileSync(path.join(FIXTURES, 'environments', 'test.yaml'), path.join(root, 'environments', 'test.yaml'));
  const tenants = path.join(root, 'tenants');
  fs.mkdirSync(tenants);
  if (options.neighbours) {
    for (const f of fs.readdirSync(VALID_DIR)) fs.copyFileSync(path.join(VALID_DIR, f), path.join(tenants, f));
  }
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(tenants, name), text);
  return root;
}

/** Decode a tenant from YAML text; fails the test if it does not decode. */
export function tenant(yaml: string, file?: string): ParsedTenant {
  const raw = parseYaml(yaml) as { id?: string };
  const name = file ?? `tenants/${raw.id}.yaml`;
  const result = decodeTenant(name, yaml);
  if (!result.tenant) throw new Error(`fixture does not decode:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.tenant;
}

/** The formatted problems a call throws as a ValidationError (empty if it does not throw). */
export function problemLines(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map(formatProblem);
    throw e;
  }
}

/** The problems (with codes) a call throws as a ValidationError. */
export function thrownProblems(fn: () => unknown): ValidationError['problems'] {
  try {
    fn();
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
}

export const HEADER = `owner: team-x
contact: x@example.com`;
