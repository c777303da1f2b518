import { describe, it } from 'vitest';
import type { LedgerStore, StoreNotice, StoreNotices, WorkQueue } from '../../../src/store/index.js';
import { type Closable, succeeded, runWithWork, until } from './fixtures.js';

/**
 * The StoreNotices port's contract: subscribers hear of appends, claimable work and reported outcomes.
 * Every adapter runs it through `describeStore` (../conformance.ts); the other ports named in its store's type
 * are what the tests need to set a case up (work enters the queue and runs exist only through appends).
 */
export function describeStoreNotices(
  name: string,
  makeStore: () => Promise<LedgerStore & WorkQueue & StoreNotices & Closable>,
): void {
  describe(`StoreNotices conformance: ${name}`, () => {
    it('tells subscribers of appends, claimable work and reported outcomes', async () => {
      const store = await makeStore();
      const notices: StoreNotice[] = [];
      const unsubscribe = await store.subscribe((notice) => notices.push(notice));
      const seen = (topic: StoreNotice['topic']) => notices.some((n) => n.topic === topic && n.runId === 'r1');
      await runWithWork(store, 'r1', [{ id: 'a/a1' }]);
      await until(() => seen('ledger') && seen('work'), 'ledger and work notices');
      await store.claimWork({ workerId: 'w1', limit: 1, leaseUntil: 10_000 });
      await store.reportWork('w1', [{ runId: 'r1', attemptId: 'a/a1', outcome: succeeded('a/a1') }]);
      await until(() => seen('outcomes'), 'an outcomes notice');
      await unsubscribe();
      await store.close();
    });
  });
}
