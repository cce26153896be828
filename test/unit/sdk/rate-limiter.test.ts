import fc from 'fast-check';
import { RateLimiterRegistry, TenantRateLimitExceeded, TokenBucket, admit } from '../../../src/sdk';
import { FakeClock } from './fakes';

interface Admitted {
  readonly t: number;
  readonly n: number;
}

type Limiter = { tryAcquire(n: number, now: number): { granted: boolean } };

/** Feed requests (time deltas and sizes) to a limiter and return what it admitted. */
function run(limiter: Limiter, requests: readonly { dt: number; n: number }[]): Admitted[] {
  let t = 0;
  const admitted: Admitted[] = [];
  for (const r of requests) {
    t += r.dt;
    if (limiter.tryAcquire(r.n, t).granted) admitted.push({ t, n: r.n });
  }
  return admitted;
}

/** Is `admitted` within rate×t + burst in the window [start, start + length]? Exact integer comparison. */
function withinBound(
  admitted: readonly Admitted[],
  start: number,
  length: number,
  rate: number,
  burst: number,
): boolean {
  const sum = admitted.filter((a) => a.t >= start && a.t <= start + length).reduce((s, a) => s + a.n, 0);
  return sum * 1000 <= rate * length + burst * 1000;
}

/** The densest windows start and end at admissions: checking every such pair covers every window. */
function everyWindowWithinBound(admitted: readonly Admitted[], rate: number, burst: number): boolean {
  for (let i = 0; i < admitted.length; i++) {
    for (let j = i; j < admitted.length; j++) {
      if (!withinBound(admitted, admitted[i]!.t, admitted[j]!.t - admitted[i]!.t, rate, burst)) return false;
    }
  }
  return true;
}

const scenario = fc
  .record({ rate: fc.integer({ min: 1, max: 1000 }), burst: fc.integer({ min: 1, max: 50 }) })
  .chain(({ rate, burst }) =>
    fc.record({
      rate: fc.constant(rate),
      burst: fc.constant(burst),
      requests: fc.array(
        fc.record({
          dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5000 })),
          n: fc.integer({ min: 1, max: burst }),
        }),
        { maxLength: 150 },
      ),
      windows: fc.array(
        fc.record({ start: fc.integer({ min: 0, max: 200_000 }), length: fc.integer({ min: 0, max: 20_000 }) }),
        {
          maxLength: 30,
        },
      ),
    }),
  );

/** The seed's naive limiter: a counter reset at every window boundary. */
class FixedWindowLimiter {
  private window = -1;
  private count = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}
  tryAcquire(n: number, now: number): { granted: boolean } {
    const w = Math.floor(now / this.windowMs);
    if (w !== this.window) {
      this.window = w;
      this.count = 0;
    }
    if (this.count + n > this.limit) return { granted: false };
    this.count += n;
    return { granted: true };
  }
}

describe('TokenBucket', () => {
  it('never admits more than rate × t + burst in any window of length t (property)', () => {
    fc.assert(
      fc.property(scenario, ({ rate, burst, requests, windows }) => {
        const admitted = run(new TokenBucket({ ratePerSecond: rate, burst }, new FakeClock(0)), requests);
        expect(everyWindowWithinBound(admitted, rate, burst)).toBe(true);
        for (const w of windows) expect(withinBound(admitted, w.start, w.length, rate, burst)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('the same property catches the fixed-window limiter it replaces (negative control)', () => {
    // GIVEN a fixed window of `limit` per second, which is the same sustained rate with burst = limit
    const result = fc.check(
      fc.property(scenario, ({ burst, requests }) => {
        const admitted = run(new FixedWindowLimiter(burst, 1000), requests);
        return everyWindowWithinBound(admitted, burst, burst);
      }),
      { numRuns: 2000 },
    );
    // THEN some sequence gets 2× the limit through around a window edge
    expect(result.failed).toBe(true);
    expect(
      run(new FixedWindowLimiter(10, 1000), [
        { dt: 999, n: 10 },
        { dt: 1, n: 10 },
      ]),
    ).toHaveLength(2);
    expect(
      run(new TokenBucket({ ratePerSecond: 10, burst: 10 }, new FakeClock(0)), [
        { dt: 999, n: 10 },
        { dt: 1, n: 10 },
      ]),
    ).toHaveLength(1);
  });

  it('admits a full burst after a quiet period, then the sustained rate', () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5 }, new FakeClock(0));
    for (let i = 0; i < 5; i++) expect(bucket.tryAcquire(1, 0).granted).toBe(true);
    expect(bucket.tryAcquire(1, 0).granted).toBe(false);
    // one token every 100 ms
    for (let t = 100; t <= 2000; t += 100) expect(bucket.tryAcquire(1, t).granted).toBe(true);
  });

  it('reports how long until the request would be admitted', () => {
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 2 }, new FakeClock(0));
    bucket.tryAcquire(2, 0);
    const result = bucket.tryAcquire(1, 100);
    expect(result).toEqual({ granted: false, retryAfterMs: 150 });
    expect(bucket.tryAcquire(1, 249).granted).toBe(false);
    expect(bucket.tryAcquire(1, 250).granted).toBe(true);
  });

  it('does not refill when the clock goes backwards', () => {
    const bucket = new TokenBucket({ ratePerSecond: 1000, burst: 1 }, new FakeClock(1000));
    expect(bucket.tryAcquire(1, 1000).granted).toBe(true);
    expect(bucket.tryAcquire(1, 0).granted).toBe(false);
    expect(bucket.tryAcquire(1, 1000).granted).toBe(false);
    expect(bucket.tryAcquire(1, 1001).granted).toBe(true);
  });

  it('refuses a request larger than the burst, which could never be admitted', () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5 }, new FakeClock(0));
    expect(() => bucket.tryAcquire(6, 0)).toThrow(/can never be admitted.*burst 5/);
  });

  it('rejects nonsensical configurations', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: Number.NaN, burst: 1 })).toThrow(RangeError);
  });

  it('acquire waits for tokens on the injected clock, serving callers in order', async () => {
    const clock = new FakeClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2 }, clock);
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((i) => bucket.acquire(1).then(() => order.push(i))));
    expect(order).toEqual([1, 2, 3, 4]);
    // two from the burst, then one per 100 ms
    expect(clock.now()).toBe(200);
  });
});

describe('admit', () => {
  it('in reject mode throws TenantRateLimitExceeded with retryAfterMs', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 1 }, new FakeClock(0));
    await admit(bucket, 'acme', 1, 'reject');
    const error = await admit(bucket, 'acme', 1, 'reject').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantRateLimitExceeded);
    expect(error).toMatchObject({ tenantId: 'acme', retryAfterMs: 500, code: 'rate_limited' });
  });

  it('in wait mode takes a request larger than the burst in burst-sized pieces', async () => {
    const clock = new FakeClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 4 }, clock);
    await admit(bucket, 'acme', 10, 'wait');
    // 4 at once, then 4 after 400 ms, then 2 after another 200 ms
    expect(clock.now()).toBe(600);
  });
});

describe('RateLimiterRegistry', () => {
  it('gives each tenant its own bucket, with per-tenant overrides', () => {
    const registry = new RateLimiterRegistry(
      { ratePerSecond: 10, burst: 1 },
      { big: { ratePerSecond: 100, burst: 50 } },
      new FakeClock(0),
    );
    expect(registry.forTenant('acme')).toBe(registry.forTenant('acme'));
    expect(registry.forTenant('acme')).not.toBe(registry.forTenant('bravo'));
    expect(registry.forTenant('big').burst).toBe(50);
    registry.forTenant('acme').tryAcquire(1, 0);
    expect(registry.forTenant('bravo').tryAcquire(1, 0).granted).toBe(true);
  });

  it('refuses invalid tenant ids', () => {
    expect(
      () => new RateLimiterRegistry({ ratePerSecond: 1, burst: 1 }, { 'Not-Valid': { ratePerSecond: 1, burst: 1 } }),
    ).toThrow(/tenant id/);
  });
});
