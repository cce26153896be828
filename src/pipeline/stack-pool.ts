/**
 * A bounded pool of per-stack tasks (a terraform plan or apply each). Stacks are independent (no stack references
 * another), except that `first` (the platform: its shared topics exist before a shared-tier tenant writes to them)
 * runs alone before any other starts.
 *
 * Failure policy: after the first failure no new stack is started; stacks already running finish (stopping a
 * terraform apply midway would leave exactly the half-done state this avoids). Every stack ends with an outcome:
 * `done`, `failed` (with its error) or `not-started`, in the order given, so the caller can say what happened to
 * each one.
 */

export type StackRun<T> =
  | { readonly stack: string; readonly status: 'done'; readonly value: T }
  | { readonly stack: string; readonly status: 'failed'; readonly error: unknown }
  | { readonly stack: string; readonly status: 'not-started' };

export interface StackPoolOptions {
  /** At most this many tasks at once (values below 1 count as 1). */
  readonly parallelism: number;
  /** A stack that, when listed, runs alone and to success before any other starts. */
  readonly first?: string;
}

export async function runStackPool<T>(
  stacks: readonly string[],
  task: (stack: string) => Promise<T>,
  opts: StackPoolOptions,
): Promise<StackRun<T>[]> {
  const runs = new Map<string, StackRun<T>>();
  let failed = false;
  const runOne = async (stack: string): Promise<void> => {
    try {
      runs.set(stack, { stack, status: 'done', value: await task(stack) });
    } catch (error) {
      failed = true;
      runs.set(stack, { stack, status: 'failed', error });
    }
  };

  const rest = stacks.filter((s) => s !== opts.first);
  if (opts.first !== undefined && stacks.includes(opts.first)) await runOne(opts.first);

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!failed && next < rest.length) await runOne(rest[next++]!);
  };
  const width = Math.min(Math.max(1, Math.floor(opts.parallelism) || 1), rest.length);
  await Promise.all(Array.from({ length: width }, worker));

  return stacks.map((stack) => runs.get(stack) ?? { stack, status: 'not-started' });
}
