import { describe, expect, it } from 'vitest';
import { chainEvents, EMPTY_HEAD } from '../../../src/ledger/index.js';
import { LockLostError, type LedgerStore, type RunLocks } from '../../../src/store/index.js';
import { type Closable, AT, created, dispatched, createRun } from './fixtures.js';

/**
 * The RunLocks port's contract: one conductor per run at a time, and appends fenced on its lock.
 * Every adapter runs it through `describeStore` (../conformance.ts); the other ports named in its store's type
 * are what the tests need to set a case up (work enters the queue and runs exist only through appends).
 */
export function describeRunLocks(name: string, makeStore: () => Promise<LedgerStore & RunLocks & Closable>): void {
  describe(`RunLocks conformance: ${name}`, () => {
    it('fences a conductor on its lock: once another engine holds the run, its appends write nothing', async () => {
      const store = await makeStore();
      const a = { id: 'a', host: 'h', pid: 1 };
      const events = chainEvents('r1', EMPTY_HEAD, [created()], AT);
      await store.append({
        runId: 'r1',
        expectedSeq: 0,
        events,
        status: 'running',
        create: { name: 'p', planHash: 'h', lock: { ...a, expiresAt: 1_000 } },
      });
      expect(
        await store.acquireRunLock({ runId: 'r1', owner: { id: 'b', host: 'h', pid: 2 }, expiresAt: 1_500, now: 500 }),
      ).toMatchObject({ acquired: false, holder: a });
      expect(await store.listUnconductedRuns(500, 10)).toEqual([]);
      expect(await store.listUnconductedRuns(1_001, 10)).toEqual(['r1']);
      const head = { seq: 1, hash: events[0]!.hash };
      const next = chainEvents('r1', head, [dispatched('a/a1')], AT);
      await store.append({ runId: 'r1', expectedSeq: 1, events: next, status: 'running', conductor: 'a' });
      const head2 = { seq: 2, hash: next[0]!.hash };
      expect(
        await store.acquireRunLock({
          runId: 'r1',
          owner: { id: 'b', host: 'h', pid: 2 },
          expiresAt: 3_000,
          now: 1_001,
        }),
      ).toEqual({ acquired: true });
      const late = chainEvents('r1', head2, [dispatched('b/a1')], AT);
      await expect(
        store.append({ runId: 'r1', expectedSeq: 2, events: late, status: 'running', conductor: 'a' }),
      ).rejects.toBeInstanceOf(LockLostError);
      expect((await store.getRun('r1'))?.headSeq).toBe(2);
      // An operator's command, appended by no conductor, is fenced on the head alone.
      await store.append({ runId: 'r1', expectedSeq: 2, events: late, status: 'running' });
      expect((await store.readEvents('r1')).length).toBe(3);
      await store.close();
    });

    it('gives the conductor lock to one owner at a time, and to another once it expires or is released', async () => {
      const store = await makeStore();
      await createRun(store, 'r1');
      const a = { id: 'a', host: 'h', pid: 1 };
      const b = { id: 'b', host: 'h', pid: 2 };
      expect(await store.acquireRunLock({ runId: 'r1', owner: a, expiresAt: 1_000, now: 0 })).toEqual({
        acquired: true,
      });
      expect(await store.acquireRunLock({ runId: 'r1', owner: b, expiresAt: 1_500, now: 500 })).toEqual({
        acquired: false,
        holder: { ...a, expiresAt: 1_000 },
      });
      expect(await store.acquireRunLock({ runId: 'r1', owner: a, expiresAt: 2_000, now: 900 })).toEqual({
        acquired: true,
      });
      expect(await store.acquireRunLock({ runId: 'r1', owner: b, expiresAt: 3_000, now: 2_001 })).toEqual({
        acquired: true,
      });
      expect(
        await store.acquireRunLock({ runId: 'r1', owner: a, expiresAt: 3_000, now: 2_500, replacing: 'b' }),
      ).toEqual({ acquired: true });
      await store.releaseRunLock('r1', 'a');
      expect(await store.acquireRunLock({ runId: 'r1', owner: b, expiresAt: 9_000, now: 2_600 })).toEqual({
        acquired: true,
      });
      await store.close();
    });
  });
}
