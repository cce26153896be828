import { sortedKeys } from '../json';
import { CheckFailed, EnvironmentError, UsageError, ValidationError, type Problem } from '../errors';
import { totalChangeCounts, type StackDeployResult } from '../pipeline/deploy';
import type { StackPlanResult } from '../pipeline/plan';

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

/** The one JSON document of a `--json` run: sorted keys, two-space indent, newline; nothing else goes to stdout. */
export function jsonDocument(doc: unknown): string {
  return JSON.stringify(sortedKeys(doc), null, 2) + '\n';
}

export function printJson(doc: unknown): void {
  process.stdout.write(jsonDocument(doc));
}

/**
 * `validate --json`: `ok`, the environment, the tenant ids checked (null when the files did not load) and every
 * problem as the model reports it (`file`, `path`, `code`, `message`, and positions when known).
 */
export function validateDocument(env: string, tenants: readonly string[] | null, problems: readonly Problem[]) {
  return { ok: problems.length === 0, env, tenants, problems };
}

/**
 * `deploy --json`: per stack its outcome and Terraform's counts (`added`, `changed`, `destroyed`, `forgotten`,
 * `imported`), their total, and the problems that refused the run (then nothing was applied and `stacks` is empty).
 */
export function deployDocument(opts: {
  readonly env: string;
  readonly results: readonly StackDeployResult[];
  readonly problems?: readonly Problem[];
  readonly tool?: string;
  readonly durationMs?: number;
}) {
  const problems = opts.problems ?? [];
  return {
    ok: problems.length === 0,
    env: opts.env,
    tool: opts.tool ?? null,
    durationMs: opts.durationMs ?? null,
    stacks: opts.results,
    total: totalChangeCounts(opts.results),
    problems,
  };
}

/** `plan --json`: per stack its outcome, plan files and counts, their total, and the plans folder. */
export function planDocument(
  plansDir: string,
  results: readonly StackPlanResult[],
  /** Why nothing was planned (a refusal before the first plan); empty when the plans ran. */
  problems: readonly Problem[] = [],
) {
  const total = { add: 0, change: 0, replace: 0, remove: 0 };
  for (const r of results) {
    total.add += r.add;
    total.change += r.change;
    total.replace += r.replace;
    total.remove += r.remove;
  }
  return { ok: problems.length === 0, plansDir, stacks: results, total, problems };
}
