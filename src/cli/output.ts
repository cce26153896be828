import { CheckFailed, EnvironmentError, ValidationError } from '../errors';

/** Diagnostics go to stderr; data goes to stdout. */
export const diag = (msg: string): void => {
  process.stderr.write(msg + '\n');
};

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The one place that turns errors into messages and exit codes. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ValidationError) {
    diag(err.message);
    diag(`${err.problems.length} problem(s); nothing was written`);
    return EXIT.failed;
  }
  if (err instanceof CheckFailed) {
    diag(err.message);
    return EXIT.failed;
  }
  if (err instanceof EnvironmentError) {
    diag(`error: ${err.message}`);
    return EXIT.failed;
  }
  diag(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT.failed;
}

import Table from 'cli-table3';

/** A table for humans; colours only when stdout is a terminal. */
export function table(head: string[]): InstanceType<typeof Table> {
  const tty = Boolean(process.stdout.isTTY);
  return new Table({ head, style: tty ? {} : { head: [], border: [] } });
}
