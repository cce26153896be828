import { CheckFailed, EnvironmentError, UsageError, ValidationError } from '../errors';

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
  if (err instanceof UsageError) {
    diag(`error: ${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof EnvironmentError) {
    diag(`error: ${err.message}`);
    return EXIT.failed;
  }
  diag(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT.failed;
}

import Table from 'cli-table3';

let colorOption = true;

/** `--no-color` of this run (the CLI sets it before every command). */
export function setColor(enabled: boolean): void {
  colorOption = enabled;
}

/**
 * Whether to colour output to `stream`: a terminal, no `--no-color`, and no `NO_COLOR` (any non-empty value,
 * https://no-color.org). Every coloured output asks here.
 */
export function useColor(stream: { isTTY?: boolean } = process.stdout): boolean {
  return colorOption && !process.env.NO_COLOR && Boolean(stream.isTTY);
}

/** A table for humans; colours (cli-table3's red head, grey border) only when `useColor()` says so. */
export function table(head: string[]): InstanceType<typeof Table> {
  return new Table({ head, style: useColor() ? {} : { head: [], border: [] } });
}
