/**
 * Which stacks a change touches. A tenant file → its stack. Environment or code → every stack whose synthesized
 * output changes: the base revision's `tenants/` and `environments/` are read from git (`git show`, never a
 * checkout) into a temporary folder, both revisions are synthesized, and each stack's `cdk.tf.json` is compared
 * with cdktf's `//` metadata and the machine-specific local state path stripped.
 *
 * Limitation, by design: the base is synthesized with the HEAD code (building the base's code would need its own
 * dependency install). So a change to the synthesis code itself (constructs, stacks, model, bindings) cannot show
 * up as an output difference; when such files change every stack is reported affected and the plans show the
 * real effect.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ValidationError } from '../errors';
import { loadModel, loadTenantFiles } from '../model';
import type { LifecycleState, Model } from '../model/types';
import { PLATFORM_STACK } from '../stacks/app';
import { synthesize } from '../stacks/synth';
import { loadBaseRevision } from './base-revision';
import { GitRepo } from './git';
import { removedTenantVerdict, type RemovalVerdict, type RemovedTenant } from './guards';
import { readLocalState } from '../terraform/state';

/** Files whose change alters synthesis in ways a base synthesized with the HEAD code cannot show. */
export const SYNTH_CODE_PATHS: readonly string[] = [
  'main.ts',
  'cdktf.json',
  'package.json',
  'package-lock.json',
  'gen/',
  'src/model/',
  'src/stacks/',
  'src/constructs/',
  'src/local/paths.ts',
];

export type AffectedStatus = 'added' | 'changed' | 'removed';

export interface AffectedStack {
  readonly stack: string;
  readonly status: AffectedStatus;
  /** Tenant stacks: the lifecycle at head (`decommissioning` stacks are torn down with `kafka-tenancy decommission`). */
  readonly lifecycle?: LifecycleState;
  /** Why, in words (`tenants/acme.yaml changed`, `synthesized output differs from the base`). */
  readonly reasons: readonly string[];
}

export interface AffectedResult {
  readonly base: string;
  /** The commit compared against: where HEAD forked from `base`. */
  readonly mergeBase: string;
  readonly changedFiles: readonly string[];
  /** Platform first, then tenants by id. Removed stacks included (status `removed`). */
  readonly stacks: readonly AffectedStack[];
  /** Removed tenant files: refused (problems) or allowed after a decommission. */
  readonly removal: RemovalVerdict;
  readonly notes: readonly string[];
}

export interface AffectedOptions {
  /** Project root (holds `environments/` and the tenants folder), inside a git repository. */
  readonly root: string;
  /** Git ref to compare with, e.g. `origin/main`. */
  readonly base: string;
  readonly env: string;
  /** @default "tenants" */
  readonly tenantsDir?: string;
  readonly log?: (msg: string) => void;
}

/** A synthesized stack without what differs between two synth runs of the same input. */
export function normalizeStack(json: unknown): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([k]) => k !== '//')
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  const out = strip(json) as { terraform?: { backend?: { local?: { path?: string } } } };
  if (out.terraform?.backend?.local) delete out.terraform.backend.local.path;
  return out;
}

/** Stacks in a synth output folder → normalized JSON text. */
export function synthesizedStackTexts(outdir: string): Map<string, string> {
  const dir = path.join(outdir, 'stacks');
  const out = new Map<string, string>();
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const file = path.join(dir, name, 'cdk.tf.json');
    if (fs.existsSync(file)) out.set(name, JSON.stringify(normalizeStack(JSON.parse(fs.readFileSync(file, 'utf8')))));
  }
  return out;
}

/** Pure comparison of two synth outputs (stack → normalized JSON). */
export function compareStacks(
  base: ReadonlyMap<string, string>,
  head: ReadonlyMap<string, string>,
): { added: string[]; changed: string[]; removed: string[]; unchanged: string[] } {
  const added: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const [name, text] of head) {
    if (!base.has(name)) added.push(name);
    else if (base.get(name) !== text) changed.push(name);
    else unchanged.push(name);
  }
  const removed = [...base.keys()].filter((n) => !head.has(n));
  return { added, changed, removed, unchanged };
}

const byStack = (a: AffectedStack, b: AffectedStack) =>
  a.stack === PLATFORM_STACK ? -1 : b.stack === PLATFORM_STACK ? 1 : a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0;

/** Tenant files at the base revision that no longer exist, with their base lifecycle. Git only, no synth. */
export function removedTenantFiles(
  repo: GitRepo,
  commit: string,
  tenantsDir: string,
  baseDir: string,
): { id: string; file: string; baseLifecycle: LifecycleState | 'unknown' }[] {
  const dir = tenantsDir.replace(/\/+$/, '');
  const files = repo.listFiles(commit, [dir]).filter((f) => /\.ya?ml$/.test(f) && path.posix.dirname(f) === dir);
  const gone = files.filter((f) => !fs.existsSync(path.join(repo.root, f)));
  if (gone.length === 0) return [];
  for (const f of gone) {
    const target = path.join(baseDir, f);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, repo.show(commit, f));
  }
  const parsed = loadTenantFiles(path.join(baseDir, dir), baseDir).tenants;
  return gone.map((file) => {
    const spec = parsed.find((p) => p.file === file)?.spec;
    return {
      id: spec?.id ?? path.posix.basename(file).replace(/\.ya?ml$/, ''),
      file,
      baseLifecycle: spec?.lifecycle ?? 'unknown',
    };
  });
}

/** Removed tenant files relative to `base`, judged (refused unless decommissioned). For `validate --base`. */
export function checkRemovedTenants(opts: {
  root: string;
  base: string;
  model: Model;
  tenantsDir?: string;
}): RemovalVerdict {
  const repo = new GitRepo(opts.root);
  const commit = repo.mergeBase(opts.base);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-removed-'));
  try {
    const removed = removedTenantFiles(repo, commit, opts.tenantsDir ?? 'tenants', tmp);
    return removedTenantVerdict(removed.map((r) => ({ ...r, state: readLocalState(opts.model.env, r.id) })));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Throw a ValidationError when a removed tenant file is refused. */
export function refuseRemovedTenants(verdict: RemovalVerdict): void {
  if (verdict.problems.length) throw new ValidationError(verdict.problems);
}

export function computeAffected(opts: AffectedOptions): AffectedResult {
  const log = opts.log ?? (() => undefined);
  const tenantsDir = opts.tenantsDir ?? 'tenants';
  const repo = new GitRepo(opts.root);
  const mergeBase = repo.mergeBase(opts.base);
  const changedFiles = repo.changedFiles(mergeBase);
  const head = loadModel({ env: opts.env, root: opts.root, tenantsDir });
  const notes: string[] = [];

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-affected-'));
  try {
    const baseRevision = loadBaseRevision({ root: opts.root, env: opts.env, ref: opts.base, tenantsDir });
    const base = baseRevision.model;
    if (baseRevision.invalid) {
      notes.push(
        `the base revision does not validate (${baseRevision.invalid.problems.length} problem(s)), so every stack is treated as changed`,
      );
    }
    log(`synthesizing head and base (${mergeBase.slice(0, 12)}) to compare`);
    synthesize(head, path.join(work, 'head-out'));
    if (base) synthesize(base, path.join(work, 'base-out'));
    const headStacks = synthesizedStackTexts(path.join(work, 'head-out'));
    const baseStacks = base ? synthesizedStackTexts(path.join(work, 'base-out')) : new Map<string, string>();
    const cmp = compareStacks(baseStacks, headStacks);

    const codeChanges = changedFiles.filter((f) =>
      SYNTH_CODE_PATHS.some((p) => (p.endsWith('/') ? f.startsWith(p) : f === p)),
    );
    if (codeChanges.length) {
      notes.push(
        `synthesis code changed (${codeChanges.slice(0, 5).join(', ')}${codeChanges.length > 5 ? ', …' : ''}); ` +
          'the base is synthesized with the head code, so every stack is planned and the plans show the effect',
      );
    }
    const envFile = `environments/${opts.env}.yaml`;
    const fileOf = new Map<string, string>([
      [PLATFORM_STACK, envFile],
      ...head.tenants.map((t) => [t.id, t.file] as [string, string]),
    ]);

    const stacks: AffectedStack[] = [];
    const envChanged = changedFiles.includes(envFile);
    for (const stack of headStacks.keys()) {
      const reasons: string[] = [];
      const file = fileOf.get(stack);
      const isAdded = cmp.added.includes(stack);
      const fileChanged = file !== undefined && changedFiles.includes(file);
      const outputChanged = cmp.changed.includes(stack);
      if (isAdded) reasons.push(base ? `new: ${file ?? stack} added` : 'base revision not comparable');
      else if (fileChanged) reasons.push(`${file} changed${outputChanged ? '' : ' (synthesized output unchanged)'}`);
      else if (outputChanged) {
        reasons.push(`synthesized output differs from the base${envChanged ? ` (${envFile} changed)` : ''}`);
      }
      if (codeChanges.length && reasons.length === 0) reasons.push('synthesis code changed');
      const lifecycle = head.tenants.find((t) => t.id === stack)?.lifecycle;
      if (reasons.length) stacks.push({ stack, status: isAdded ? 'added' : 'changed', lifecycle, reasons });
    }

    const removedFiles = removedTenantFiles(repo, mergeBase, tenantsDir, path.join(work, 'removed'));
    const removal = removedTenantVerdict(
      removedFiles.map((r): RemovedTenant => ({ ...r, state: readLocalState(head.env, r.id) })),
    );
    for (const r of removedFiles) {
      const ok = removal.allowed.find((a) => a.id === r.id);
      stacks.push({
        stack: r.id,
        status: 'removed',
        reasons: [
          ok
            ? `${r.file} removed after its decommission${ok.retainedTopics.length ? `; retained topics ${ok.retainedTopics.join(', ')} are forgotten by "kafka-tenancy decommission ${r.id} --finalize", never deleted` : ''}`
            : `${r.file} removed: REFUSED, decommission first`,
        ],
      });
    }
    if (head.env.state.backend !== 'local' && removedFiles.length) {
      notes.push('state is remote: whether a removed tenant still has resources is checked by plan/deploy, not here');
    }
    return { base: opts.base, mergeBase, changedFiles, stacks: stacks.sort(byStack), removal, notes };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
