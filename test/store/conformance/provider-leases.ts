import { describe, expect, it } from 'vitest';
import type { ProviderLimit } from '../../../src/core/index.js';
import type { ProviderLeases } from '../../../src/store/index.js';
import type { Closable } from './fixtures.js';

type LeaseStore = ProviderLeases & Closable;

/** A short window, so the cases read in small numbers: calls count for 1 s after they end. */
const WINDOW = 1_000;

function acquirer(store: LeaseStore, key: string, limit: ProviderLimit) {
  return (id: string, now: number, tokens = 0, expiresAt = now + 10_000) =>
    store.acquireProviderLease({ id, key, holder: `run/${id}`, tokens, limit, now, expiresAt, windowMs: WINDOW });
}

/**
 * The ProviderLeases port's contract: the limits of a key hold across every caller of the
 * store, a reserve is corrected at release, and a holder that never releases stops counting
 * once its lease expires. Every adapter runs it through `describeStore` (../conformance.ts).
 */
export function describeProviderLeases(name: string, makeStore: () => Promise<LeaseStore>): void {
  describe(`ProviderLeases conformance: ${name}`, () => {
    it('admits `concurrent` calls at once and the next when one is released', async () => {
      const store = await makeStore();
      const acquire = acquirer(store, 'openai', { concurrent: 2 });
      expect(await acquire('a', 0)).toEqual({ admitted: true });
      expect(await acquire('b', 1, 0, 5_000)).toEqual({ admitted: true });
      expect(await acquire('c', 2)).toEqual({ admitted: false, limit: 'concurrent', retryAt: 5_000 });
      await store.releaseProviderLease({ id: 'a', tokens: 0, now: 3 });
      expect(await acquire('c', 4)).toEqual({ admitted: true });
      expect(await store.providerLoads(5, WINDOW)).toEqual({ openai: { inFlight: 2, requests: 3, tokens: 0 } });
      await store.close();
    });

    it('keeps keys apart', async () => {
      const store = await makeStore();
      expect(await acquirer(store, 'openai', { concurrent: 1 })('a', 0)).toEqual({ admitted: true });
      expect(await acquirer(store, 'anthropic', { concurrent: 1 })('b', 0)).toEqual({ admitted: true });
      expect(await acquirer(store, 'openai', { concurrent: 1 })('c', 0)).toMatchObject({ admitted: false });
      await store.close();
    });

    it('counts a request against requests_per_minute until a window after its call ended', async () => {
      const store = await makeStore();
      const acquire = acquirer(store, 'k', { requests_per_minute: 2 });
      expect(await acquire('a', 0)).toEqual({ admitted: true });
      await store.releaseProviderLease({ id: 'a', tokens: 0, now: 10 });
      expect(await acquire('b', 20)).toEqual({ admitted: true });
      await store.releaseProviderLease({ id: 'b', tokens: 0, now: 30 });
      expect(await acquire('c', 40)).toEqual({ admitted: false, limit: 'requests_per_minute', retryAt: 1_010 });
      expect(await acquire('c', 1_009)).toMatchObject({ admitted: false, limit: 'requests_per_minute' });
      expect(await acquire('c', 1_010)).toEqual({ admitted: true });
      await store.close();
    });

    it('reserves tokens at acquisition and corrects them to the reported usage at release', async () => {
      const store = await makeStore();
      const acquire = acquirer(store, 'k', { tokens_per_minute: 1_000 });
      expect(await acquire('a', 0, 600)).toEqual({ admitted: true });
      // a reserves 600: 600 more would pass 1,000, until a's call ends and its window passes.
      expect(await acquire('b', 10, 600, 20_000)).toEqual({
        admitted: false,
        limit: 'tokens_per_minute',
        retryAt: 10_000 + WINDOW,
      });
      // a used 100 of its 600: b fits at once, and a's 100 count until 1,050.
      await store.releaseProviderLease({ id: 'a', tokens: 100, now: 50 });
      expect(await acquire('b', 60, 600, 20_000)).toEqual({ admitted: true });
      expect(await store.providerLoads(70, WINDOW)).toEqual({ k: { inFlight: 1, requests: 2, tokens: 700 } });
      expect(await acquire('c', 80, 400)).toEqual({ admitted: false, limit: 'tokens_per_minute', retryAt: 1_050 });
      expect(await acquire('c', 1_050, 300)).toEqual({ admitted: true });
      await store.close();
    });

    it('says a call that needs more tokens than the limit allows in a window could never be admitted', async () => {
      const store = await makeStore();
      expect(await acquirer(store, 'k', { tokens_per_minute: 1_000 })('a', 0, 1_001)).toEqual({
        admitted: false,
        limit: 'tokens_per_minute',
        never: true,
      });
      expect(await store.providerLoads(0, WINDOW)).toEqual({});
      await store.close();
    });

    it("stops counting a crashed holder's call as in flight when its lease expires, and renews a live one", async () => {
      const store = await makeStore();
      const acquire = acquirer(store, 'k', { concurrent: 1 });
      expect(await acquire('crashed', 0, 0, 1_000)).toEqual({ admitted: true });
      expect(await acquire('b', 999)).toEqual({ admitted: false, limit: 'concurrent', retryAt: 1_000 });
      expect(await acquire('b', 1_000, 0, 2_000)).toEqual({ admitted: true });
      expect(await store.renewProviderLease('b', 5_000)).toBe(true);
      expect(await acquire('c', 2_500)).toEqual({ admitted: false, limit: 'concurrent', retryAt: 5_000 });
      await store.releaseProviderLease({ id: 'b', tokens: 0, now: 2_600 });
      expect(await store.renewProviderLease('b', 9_000)).toBe(false);
      expect(await store.renewProviderLease('gone', 9_000)).toBe(false);
      // Once their windows are over, the leases are forgotten.
      expect(await acquire('d', 10_000)).toEqual({ admitted: true });
      expect(await store.providerLoads(10_001, WINDOW)).toEqual({ k: { inFlight: 1, requests: 1, tokens: 0 } });
      await store.close();
    });

    it('admits exactly the limit when many callers acquire at once', async () => {
      const store = await makeStore();
      const acquire = acquirer(store, 'k', { concurrent: 3, tokens_per_minute: 10_000 });
      const verdicts = await Promise.all(Array.from({ length: 24 }, (_, i) => acquire(`l${i}`, 100, 1_000)));
      expect(verdicts.filter((verdict) => verdict.admitted).length).toBe(3);
      expect(await store.providerLoads(100, WINDOW)).toEqual({ k: { inFlight: 3, requests: 3, tokens: 3_000 } });
      await store.close();
    });
  });
}
