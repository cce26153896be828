/**
 * Client-side rate limiting per tenant with a token bucket.
 *
 * Why not a fixed window ("at most N per second, counter reset on the second"): a tenant can send N at the end of
 * one window and N at the start of the next, i.e. 2N within a few milliseconds. A token bucket holds at most
 * `burst` tokens and refills continuously at `ratePerSecond`, so in ANY interval of length t it admits at most
 * `ratePerSecond × t + burst` — the property test in test/unit/sdk/rate-limiter.test.ts checks exactly that.
 *
 * This limits what well-behaved SDK users send; the broker quotas (per principal) are what enforce the limit
 * against everyone else.
 */
import { InvalidRecordError, TenantRateLimitExceeded } from './errors';
import { assertTenantId } from './keys';

/** Injectable time source. `now()` is in milliseconds and should be monotonic. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** `performance.now()` (monotonic: wall-clock jumps neither refill nor drain the bucket) and `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface TokenBucketOptions {
  /** Sustained rate in tokens (records) per second. */
  readonly ratePerSecond: number;
  /** Bucket capacity: how many tokens can be spent at once after a quiet period. Also the largest single request. */
  readonly burst: number;
}

export type AcquireResult =
  | { readonly granted: true }
  | {
      readonly granted: false;
      /** Time until the same request would be granted if nothing else takes tokens meanwhile. */
      readonly retryAfterMs: number;
    };

/**
 * Token bucket that starts full. Tokens are kept in thousandths ("milli-tokens") so that with an integer rate,
 * integer costs and an integer-millisecond clock every computation is exact integer arithmetic: refilling
 * `elapsedMs` adds exactly `elapsedMs × ratePerSecond` milli-tokens.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly capacity: number;
  private milliTokens: number;
  private last: number;
  /** Waiters of `acquire` are served in call order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    options: TokenBucketOptions,
    private readonly clock: Clock = systemClock,
  ) {
    const { ratePerSecond, burst } = options;
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be a positive finite number, got ${ratePerSecond}`);
    }
    if (!(Number.isFinite(burst) && burst >= 1)) {
      throw new RangeError(`burst must be a finite number of at least 1, got ${burst}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.capacity = burst * 1000;
    this.milliTokens = this.capacity;
    this.last = clock.now();
  }

  /** Tokens available at `now` (after refilling). */
  available(now: number = this.clock.now()): number {
    this.refill(now);
    return this.milliTokens / 1000;
  }

  /** Take `n` tokens if they are there; never waits. */
  tryAcquire(n = 1, now: number = this.clock.now()): AcquireResult {
    this.checkCost(n);
    this.refill(now);
    const cost = n * 1000;
    if (this.milliTokens >= cost) {
      this.milliTokens -= cost;
      return { granted: true };
    }
    // The deficit in milli-tokens, refilled at `ratePerSecond` milli-tokens per millisecond.
    return { granted: false, retryAfterMs: Math.max(1, Math.ceil((cost - this.milliTokens) / this.ratePerSecond)) };
  }

  /** Wait until `n` tokens are available and take them. Concurrent callers are served first come, first served. */
  acquire(n = 1): Promise<void> {
    this.checkCost(n);
    const turn = this.queue.then(() => this.waitFor(n));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitFor(n: number): Promise<void> {
    for (;;) {
      const result = this.tryAcquire(n);
      if (result.granted) return;
      await this.clock.sleep(result.retryAfterMs);
    }
  }

  private refill(now: number): void {
    // A clock that goes backwards neither refills nor moves `last` back (which would refill twice later).
    if (now <= this.last) return;
    this.milliTokens = Math.min(this.capacity, this.milliTokens + (now - this.last) * this.ratePerSecond);
    this.last = now;
  }

  private checkCost(n: number): void {
    if (!(Number.isFinite(n) && n > 0)) throw new RangeError(`token count must be a positive number, got ${n}`);
    if (n > this.burst) {
      throw new InvalidRecordError(
        `a request for ${n} tokens can never be admitted by a bucket with burst ${this.burst}; ` +
          `split it into requests of at most ${this.burst} or raise the burst`,
      );
    }
  }
}

/** How a producer reacts to an empty bucket. */
export type RateLimitMode = 'reject' | 'wait';

/** Take `n` tokens for `tenantId` in the given mode: `reject` throws TenantRateLimitExceeded, `wait` waits. */
export async function admit(bucket: TokenBucket, tenantId: string, n: number, mode: RateLimitMode): Promise<void> {
  if (mode === 'wait') {
    // Requests larger than the burst are taken in burst-sized pieces so they pass at the sustained rate.
    for (let left = n; left > 0; left -= bucket.burst) await bucket.acquire(Math.min(left, bucket.burst));
    return;
  }
  const result = bucket.tryAcquire(n);
  if (!result.granted) throw new TenantRateLimitExceeded(tenantId, result.retryAfterMs, n);
}

/** One bucket per tenant, created on first use from the tenant's override or the default. */
export class RateLimiterRegistry {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly defaults: TokenBucketOptions,
    private readonly perTenant: Readonly<Record<string, TokenBucketOptions>> = {},
    private readonly clock: Clock = systemClock,
  ) {
    for (const id of Object.keys(perTenant)) assertTenantId(id);
  }

  forTenant(tenantId: string): TokenBucket {
    assertTenantId(tenantId);
    let bucket = this.buckets.get(tenantId);
    if (!bucket) {
      bucket = new TokenBucket(this.perTenant[tenantId] ?? this.defaults, this.clock);
      this.buckets.set(tenantId, bucket);
    }
    return bucket;
  }
}
