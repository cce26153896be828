/**
 * The bounded pool deploy runs its plans and applies in, driven by a fake runner whose tasks finish when the test
 * says so: the platform runs alone first, never more than N tasks run at once, and after a failure nothing new
 * starts while running tasks finish.
 */
import { runStackPool, type StackRun } from '../../../src/pipeline/stack-pool';

/** Tasks that record what runs and wait to be finished (or failed) by the test. */
function fakeRunner() {
  const running = new Set<string>();
  const events: string[] = [];
  let peak = 0;
  const waiting = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  const task = (stack: string) =>
    new Promise<string>((resolve, reject) => {
      running.add(stack);
      peak = Math.max(peak, running.size);
      events.push(`start ${stack}`);
      waiting.set(stack, {
        resolve: (v) => (running.delete(stack), events.push(`end ${stack}`), resolve(v)),
        reject: (e) => (running.delete(stack), events.push(`fail ${stack}`), reject(e)),
      });
    });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    task,
    events,
    running: () => [...running].sort(),
    peak: () => peak,
    finish: async (stack: string) => {
      waiting.get(stack)!.resolve(`${stack} ok`);
      await settle();
    },
    fail: async (stack: string) => {
      waiting.get(stack)!.reject(new Error(`${stack} broke`));
      await settle();
    },
    settle,
  };
}

const statuses = (runs: readonly StackRun<unknown>[]) => runs.map((r) => `${r.stack} ${r.status}`);

describe('runStackPool', () => {
  it('runs the first stack alone and to its end before any other starts', async () => {
    const f = fakeRunner();
    const pool = runStackPool(['platform', 'acme', 'globex'], f.task, { parallelism: 3, first: 'platform' });
    await f.settle();
    expect(f.running()).toEqual(['platform']);
    await f.finish('platform');
    expect(f.running()).toEqual(['acme', 'globex']);
    await f.finish('acme');
    await f.finish('globex');
    expect(statuses(await pool)).toEqual(['platform done', 'acme done', 'globex done']);
    expect(f.events.slice(0, 2)).toEqual(['start platform', 'end platform']);
  });

  it('never runs more than N at once, and starts the next stack as soon as one ends', async () => {
    const f = fakeRunner();
    const stacks = ['a', 'b', 'c', 'd', 'e'];
    const pool = runStackPool(stacks, f.task, { parallelism: 2 });
    await f.settle();
    expect(f.running()).toEqual(['a', 'b']);
    await f.finish('b');
    expect(f.running()).toEqual(['a', 'c']);
    await f.finish('a');
    await f.finish('c');
    expect(f.running()).toEqual(['d', 'e']);
    await f.finish('e');
    await f.finish('d');
    const runs = await pool;
    expect(f.peak()).toBe(2);
    // Outcomes come back in the order given, whatever the order of completion.
    expect(runs.map((r) => (r.status === 'done' ? r.value : r.status))).toEqual(stacks.map((s) => `${s} ok`));
  });

  it('runs one at a time with parallelism 1 (and treats 0 as 1)', async () => {
    for (const parallelism of [1, 0]) {
      const f = fakeRunner();
      const pool = runStackPool(['a', 'b'], f.task, { parallelism });
      await f.settle();
      expect(f.running()).toEqual(['a']);
      await f.finish('a');
      await f.finish('b');
      await pool;
      expect(f.peak()).toBe(1);
    }
  });

  it('after a failure starts nothing new, lets the running stacks finish, and reports every stack', async () => {
    const f = fakeRunner();
    const pool = runStackPool(['platform', 'a', 'b', 'c', 'd'], f.task, { parallelism: 2, first: 'platform' });
    await f.settle();
    await f.finish('platform');
    expect(f.running()).toEqual(['a', 'b']);
    await f.fail('a');
    expect(f.running()).toEqual(['b']); // c is not started in a's place
    await f.finish('b');
    const runs = await pool;
    expect(statuses(runs)).toEqual(['platform done', 'a failed', 'b done', 'c not-started', 'd not-started']);
    expect((runs[1] as { error: Error }).error.message).toBe('a broke');
  });

  it('starts no other stack when the first one fails', async () => {
    const f = fakeRunner();
    const pool = runStackPool(['platform', 'a'], f.task, { parallelism: 4, first: 'platform' });
    await f.settle();
    await f.fail('platform');
    expect(statuses(await pool)).toEqual(['platform failed', 'a not-started']);
    expect(f.events).toEqual(['start platform', 'fail platform']);
  });

  it('runs the rest when the first stack is not among those given, and does nothing for none', async () => {
    const f = fakeRunner();
    const pool = runStackPool(['a'], f.task, { parallelism: 2, first: 'platform' });
    await f.settle();
    await f.finish('a');
    expect(statuses(await pool)).toEqual(['a done']);
    expect(await runStackPool([], f.task, { parallelism: 2 })).toEqual([]);
  });
});
