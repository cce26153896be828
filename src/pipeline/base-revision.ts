/**
 * The one loader of a base revision's model: the merge base of `ref` and HEAD, its tenant and environment files
 * read from git (`git archive`-like export into a temporary folder, never a checkout), loaded by the HEAD code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ValidationError } from '../errors';
import { loadModel } from '../model';
import type { Model } from '../model/types';
import { GitRepo } from './git';

export interface BaseRevision {
  /** The merge base of `ref` and HEAD. */
  readonly commit: string;
  /** Its model; undefined when the revision does not validate (then `invalid` says why). */
  readonly model: Model | undefined;
  readonly invalid?: ValidationError;
}

export function loadBaseRevision(opts: {
  readonly root: string;
  readonly env: string;
  readonly ref: string;
  /** Relative to the root. @default "tenants" */
  readonly tenantsDir?: string;
}): BaseRevision {
  const tenantsDir = opts.tenantsDir ?? 'tenants';
  const repo = new GitRepo(path.resolve(opts.root));
  const commit = repo.mergeBase(opts.ref);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-base-'));
  try {
    repo.exportDirs(commit, [tenantsDir, 'environments'], tmp);
    return { commit, model: loadModel({ env: opts.env, root: tmp, tenantsDir }) };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { commit, model: undefined, invalid: err };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
