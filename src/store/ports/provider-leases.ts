import type { LeaseVerdict, LimitLoad, ProviderLimit } from '../../core/index.js';

/** One model call's claim on a provider limit key, from its acquisition to its release. */
export interface ProviderLease {
  id: string;
  key: string;
  /** Who holds it: `runId/attemptId`, for people reading the table. */
  holder: string;
  acquiredAt: number;
  /** A holder renews it while the call runs; one that crashed stops counting as in flight after it. */
  expiresAt: number;
  releasedAt: number | null;
  /** Reserved at acquisition (the call's worst case), corrected to the reported usage at release. */
  tokens: number;
}

/**
 * The provider limits every run in the store shares: leases per limit key, taken before a
 * model call and released after it. Acquisition is atomic across processes (one SQLite
 * IMMEDIATE transaction; on PostgreSQL a transaction holding the key's advisory lock), and
 * applies the core's pure rule (`admitLease`) to the key's leases, so every store admits alike.
 * Times are passed in, like the other ports'.
 */
export interface ProviderLeases {
  /**
   * Takes a lease of `tokens` on `key` when `limit` admits it at `now`, else says which limit
   * holds it and until when. `windowMs` is how long a call counts against a per-minute limit
   * after it ends (`LIMIT_WINDOW_MS`). Leases that count for nothing any more are deleted.
   */
  acquireProviderLease(args: {
    id: string;
    key: string;
    holder: string;
    tokens: number;
    limit: ProviderLimit;
    now: number;
    expiresAt: number;
    windowMs: number;
  }): Promise<LeaseVerdict>;
  /** Extends a lease still held; false when it is gone or released. */
  renewProviderLease(id: string, expiresAt: number): Promise<boolean>;
  /** Ends a lease, its tokens corrected to what the call used (the reserve when it reported nothing). */
  releaseProviderLease(args: { id: string; tokens: number; now: number }): Promise<void>;
  /** Each key's load at `now`, for `baton capabilities`; keys with no lease left are absent. */
  providerLoads(now: number, windowMs: number): Promise<Record<string, LimitLoad>>;
}
