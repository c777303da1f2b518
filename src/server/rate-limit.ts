import type { MiddlewareHandler } from 'hono';
import { ApiError, ApiErrorCode } from './errors.js';
import type { AppEnv } from './route.js';

export interface RateLimit {
  /** Requests a token may make per second, sustained. */
  perSecond: number;
  /** Requests it may make at once after being idle. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key: `burst` requests at once, refilled at `perSecond`. Buckets of keys
 * idle long enough to be full again are dropped, so the map holds only recently active keys.
 * @example
 * const limiter = new TokenBuckets({ perSecond: 10, burst: 20 }, Date.now);
 * limiter.take('tok_1'); // { ok: true } or { ok: false, retryAfterMs: 100 }
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
  ) {}

  take(key: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.now();
    this.forgetFullBuckets(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    const tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / this.limit.perSecond) * 1000) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return { ok: true };
  }

  private forgetFullBuckets(now: number): void {
    if (this.buckets.size < 1_000) return;
    const refill = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) if (now - bucket.at >= refill) this.buckets.delete(key);
  }
}

/** 429 with Retry-After (whole seconds, rounded up) once the principal's bucket is empty. */
export function rateLimit(buckets: TokenBuckets): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    const taken = buckets.take(principal.tokenId ?? principal.by);
    if (!taken.ok) {
      const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
      throw new ApiError(
        ApiErrorCode.rateLimited,
        `too many requests from ${principal.by}; try again in ${seconds}s`,
        undefined,
        { 'Retry-After': String(seconds) },
      );
    }
    return next();
  };
}
