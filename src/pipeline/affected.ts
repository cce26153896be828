/**
 * Which stacks a change touches, at the cost of the change. A changed tenant file → its stack, read from that file
 * alone (no model of the fleet, no synth). A changed environment file → every stack whose input changed: both
 * revisions' models (the base's files read from git, never a checkout) are compared per stack by content hash
 * (src/pipeline/fingerprint.ts). Synthesis code changed → every stack. Removed tenant files are judged from git
 * and local state.
 *
 * Limitation, by design: the base is modelled with the HEAD code (building the base's code would need its own
 * dependency install). So a change to the synthesis code itself (constructs, stacks, model, bindings) cannot show
 * up as a difference; when such files change every stack is reported affected and the plans show the real effect.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ValidationError } from '../errors';
import { TENANT_FILE, decodeTenant, loadEnvironment, loadModel, loadTenantFiles } from '../model';
import type { LifecycleState, Model } from '../model/types';
import { PLATFORM_STACK } from '../stacks/app';
import { loadBaseRevision } from './base-revision';
import { stackFingerprints } from './fingerprint';
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
  'src/paths.ts',
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
  /** Decode cache of the model (src/model/decode-cache.ts). @default - none */
  readonly cacheDir?: string;
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
  const tenantsDir = (opts.tenantsDir ?? 'tenants').replace(/\/+$/, '');
  const repo = new GitRepo(opts.root);
  const mergeBase = repo.mergeBase(opts.base);
  const changedFiles = repo.changedFiles(mergeBase);
  const env = loadEnvironment(opts.env, opts.root, opts.cacheDir);
  const notes: string[] = [];
  const envFile = `environments/${opts.env}.yaml`;
  const isTenantFile = (f: string) =>
    path.posix.dirname(f) === tenantsDir && TENANT_FILE.test(f) && !path.posix.basename(f).startsWith('.');
  const idOf = (f: string) => path.posix.basename(f).replace(TENANT_FILE, '');
  const atBase = new Set(repo.listFiles(mergeBase, [tenantsDir]));

  const stacks = new Map<string, AffectedStack>();
  const add = (stack: string, status: AffectedStatus, reason: string, lifecycle?: LifecycleState) => {
    const seen = stacks.get(stack);
    stacks.set(
      stack,
      seen ? { ...seen, reasons: [...seen.reasons, reason] } : { stack, status, lifecycle, reasons: [reason] },
    );
  };

  // 1. A tenant file → its stack, read from that file alone: no model of the fleet, no synth.
  for (const f of changedFiles.filter(isTenantFile)) {
    const abs = path.join(opts.root, f);
    if (!fs.existsSync(abs)) continue; // removed: judged below
    const lifecycle = decodeTenant(f, fs.readFileSync(abs, 'utf8')).tenant?.spec.lifecycle;
    if (atBase.has(f)) add(idOf(f), 'changed', `${f} changed`, lifecycle);
    else add(idOf(f), 'added', `new: ${f} added`, lifecycle);
  }

  // 2. The environment, or synthesis code: the whole fleet's model, compared per stack by content hash.
  const codeChanges = changedFiles.filter((f) =>
    SYNTH_CODE_PATHS.some((p) => (p.endsWith('/') ? f.startsWith(p) : f === p)),
  );
  if (changedFiles.includes(envFile) || codeChanges.length) {
    const head = loadModel({ env: opts.env, root: opts.root, tenantsDir, cacheDir: opts.cacheDir });
    const lifecycleOf = (stack: string) => head.tenants.find((t) => t.id === stack)?.lifecycle;
    const headPrints = stackFingerprints(head);
    if (changedFiles.includes(envFile)) {
      log(`${envFile} changed: comparing per-stack content hashes with the base (${mergeBase.slice(0, 12)})`);
      const base = loadBaseRevision({ root: opts.root, env: opts.env, ref: opts.base, tenantsDir });
      if (base.invalid) {
        notes.push(
          `the base revision does not validate (${base.invalid.problems.length} problem(s)), so every stack is treated as changed`,
        );
      }
      const basePrints = base.model ? stackFingerprints(base.model) : new Map<string, string>();
      for (const [stack, print] of headPrints) {
        if (!basePrints.has(stack)) add(stack, 'added', base.model ? `new: ${stack}` : 'base revision not comparable');
        else if (basePrints.get(stack) !== print) add(stack, 'changed', `its input in ${envFile} changed`);
      }
    }
    if (codeChanges.length) {
      notes.push(
        `synthesis code changed (${codeChanges.slice(0, 5).join(', ')}${codeChanges.length > 5 ? ', …' : ''}); ` +
          'every stack is planned and the plans show the effect',
      );
      for (const stack of headPrints.keys()) add(stack, 'changed', 'synthesis code changed');
    }
    for (const [stack, a] of stacks) stacks.set(stack, { ...a, lifecycle: a.lifecycle ?? lifecycleOf(stack) });
  }

  // 3. Removed tenant files: git only, judged against local state.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-affected-'));
  try {
    const removedFiles = removedTenantFiles(repo, mergeBase, tenantsDir, path.join(work, 'removed'));
    const removal = removedTenantVerdict(
      removedFiles.map((r): RemovedTenant => ({ ...r, state: readLocalState(env, r.id) })),
    );
    for (const r of removedFiles) {
      const ok = removal.allowed.find((a) => a.id === r.id);
      stacks.set(r.id, {
        stack: r.id,
        status: 'removed',
        reasons: [
          ok
            ? `${r.file} removed after its decommission${ok.retainedTopics.length ? `; retained topics ${ok.retainedTopics.join(', ')} are forgotten by "kafka-tenancy decommission ${r.id} --finalize", never deleted` : ''}`
            : `${r.file} removed: REFUSED, decommission first`,
        ],
      });
    }
    if (env.state.backend !== 'local' && removedFiles.length) {
      notes.push('state is remote: whether a removed tenant still has resources is checked by plan/deploy, not here');
    }
    const dedup = [...stacks.values()].map((a) => ({ ...a, reasons: [...new Set(a.reasons)] }));
    return { base: opts.base, mergeBase, changedFiles, stacks: dedup.sort(byStack), removal, notes };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
