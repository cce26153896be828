/** The few git read operations the pipeline needs. Never writes to the repository (no checkout, no worktree). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EnvironmentError } from '../errors';

function git(cwd: string, args: string[], opts: { allowFail?: boolean } = {}): { status: number; stdout: Buffer } {
  const res = spawnSync('git', args, { cwd, maxBuffer: 256 * 1024 * 1024 });
  const status = res.status ?? 1;
  if (res.error) throw new EnvironmentError(`git is not available: ${res.error.message}`, 'install git');
  if (status !== 0 && !opts.allowFail) {
    throw new EnvironmentError(`git ${args[0]} failed (exit ${status}): ${String(res.stderr).trim()}`);
  }
  return { status, stdout: res.stdout };
}

const lines = (b: Buffer) =>
  b
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** Repository view from a project root that may sit in a sub-folder of the repository. */
export class GitRepo {
  /** Absolute repository top level. */
  readonly top: string;
  /** The project root relative to the top, with `/` separators ('' when they are the same). */
  readonly prefix: string;

  constructor(readonly root: string) {
    const res = git(root, ['rev-parse', '--show-toplevel'], { allowFail: true });
    if (res.status !== 0) {
      throw new EnvironmentError(`${root} is not inside a git repository`, 'run affected/--base from a git checkout');
    }
    this.top = fs.realpathSync(res.stdout.toString('utf8').trim());
    this.prefix = path.relative(this.top, fs.realpathSync(root)).split(path.sep).join('/');
  }

  private inRepo(p: string): string {
    return this.prefix ? `${this.prefix}/${p}` : p;
  }

  private inProject(p: string): string | undefined {
    if (!this.prefix) return p;
    return p.startsWith(`${this.prefix}/`) ? p.slice(this.prefix.length + 1) : undefined;
  }

  /** Commit id of a ref; a usage error (exit 2 at the CLI) when the ref does not exist. */
  resolve(ref: string): string {
    const res = git(this.top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFail: true });
    if (res.status !== 0) {
      throw new EnvironmentError(
        `git ref "${ref}" not found`,
        'fetch it first (in CI: actions/checkout with fetch-depth: 0, or git fetch origin main)',
      );
    }
    return res.stdout.toString('utf8').trim();
  }

  /** Where the current branch forked from `ref` (like GitHub's three-dot diff); `ref` itself if unrelated. */
  mergeBase(ref: string): string {
    const commit = this.resolve(ref);
    const res = git(this.top, ['merge-base', commit, 'HEAD'], { allowFail: true });
    return res.status === 0 ? res.stdout.toString('utf8').trim() : commit;
  }

  /**
   * Files that differ between `commit` and the working tree (committed, staged, unstaged and untracked),
   * relative to the project root; files outside the project are left out.
   */
  changedFiles(commit: string): string[] {
    const scope = this.prefix ? [this.prefix] : ['.'];
    const tracked = lines(git(this.top, ['diff', '--name-only', '--no-renames', commit, '--', ...scope]).stdout);
    const untracked = lines(git(this.top, ['ls-files', '--others', '--exclude-standard', '--', ...scope]).stdout);
    return [...new Set([...tracked, ...untracked])]
      .map((f) => this.inProject(f))
      .filter((f): f is string => f !== undefined)
      .sort();
  }

  /** Files under project-relative `dirs` at `commit`, project-relative. */
  listFiles(commit: string, dirs: readonly string[]): string[] {
    const out = git(this.top, [
      'ls-tree',
      '-r',
      '--name-only',
      commit,
      '--',
      ...dirs.map((d) => this.inRepo(d)),
    ]).stdout;
    return lines(out)
      .map((f) => this.inProject(f))
      .filter((f): f is string => f !== undefined)
      .sort();
  }

  /** Content of a project-relative file at `commit`. */
  show(commit: string, file: string): Buffer {
    return git(this.top, ['show', `${commit}:${this.inRepo(file)}`]).stdout;
  }

  /** Copy project-relative `dirs` as they were at `commit` into `dest` (same relative layout). */
  exportDirs(commit: string, dirs: readonly string[], dest: string): string[] {
    const files = this.listFiles(commit, dirs);
    for (const f of files) {
      const target = path.join(dest, f);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, this.show(commit, f));
    }
    return files;
  }
}
