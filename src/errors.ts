/**
 * One error type for everything a user can get wrong. Libraries and constructs throw;
 * only the CLI boundary formats and picks the exit code.
 */
export interface Problem {
  /** File the problem is in, relative to the project root (e.g. `tenants/acme.yaml`). */
  readonly file: string;
  /** Dotted path to the field (e.g. `topics[1].partitions`); empty for whole-file problems. */
  readonly path: string;
  /** 1-based line and column of the field in the file, when known. */
  readonly line?: number;
  readonly col?: number;
  /** Stable machine-readable code (e.g. `too_small`, `duplicate_id`). */
  readonly code: string;
  /** Lowercase message: what was received, what is allowed, how to fix it. */
  readonly message: string;
}

/** `file:line:col: path: message` when the position is known, else `file: path: message` (`file: message`). */
export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** By file, then line (problems without a position first), then path, then message. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.path.localeCompare(b.path) ||
      a.message.localeCompare(b.message),
  );
}

/** Thrown when input is invalid. Carries every problem found, not just the first. */
export class ValidationError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    super(sorted.map(formatProblem).join('\n'));
    this.name = 'ValidationError';
    this.problems = sorted;
  }
}

/** Thrown when the local platform or the toolchain is in a state we cannot work with. */
export class EnvironmentError extends Error {
  constructor(
    message: string,
    /** What the user can do about it. */
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n  hint: ${hint}` : message);
    this.name = 'EnvironmentError';
  }
}

/** A check or a command that ran correctly but found something wrong (exit code 1). */
export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailed';
  }
}

/**
 * The command line was wrong (exit code 2): a file argument that cannot be read, an option value of the wrong
 * form. The CLI prints `error: <message>`, one line, no stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Why a file could not be read, without the path Node appends (the caller names the file):
 * `ENOENT: no such file or directory`, `EACCES: permission denied`.
 */
export function ioReason(err: unknown): string {
  // Not `instanceof Error`: errors from another realm (a test VM, a worker) are errors too.
  const e = err as Partial<NodeJS.ErrnoException> | null;
  if (typeof e?.message !== 'string') return String(err);
  const message = e.message.replace(/, [a-z]+( '.*')?$/s, '');
  return e.code && !message.startsWith(e.code) ? `${e.code}: ${message}` : message;
}
