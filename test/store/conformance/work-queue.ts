import { describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../../src/core/index.js';
import { chainEvents } from '../../../src/ledger/index.js';
import type { LedgerStore, WorkQueue } from '../../../src/store/index.js';
import { type Closable, AT, dispatched, work, succeeded, runWithWork, createRun } from './fixtures.js';

/**
 * The WorkQueue port's contract: work enters with the append that dispatches it and is claimed in order, once,
 * by the workers that can run it; outcomes are taken only from the holder; abandoned and released items.
 * Every adapter runs it through `describeStore` (../conformance.ts); the other ports named in its store's type
 * are what the tests need to set a case up (work enters the queue and runs exist only through appends).
 */
export function describeWorkQueue(name: string, makeStore: () => Promise<LedgerStore & WorkQueue & Closable>): void {
  describe(`WorkQueue conformance: ${name}`, () => {
    it('claims only the work of the run it is asked for', async () => {
      const store = await makeStore();
      for (const runId of ['r1', 'r2']) {
        const head = await createRun(store, runId);
        const events = chainEvents(runId, head, [dispatched('a/a1')], AT);
        await store.append({
          runId,
          expectedSeq: head.seq,
          events,
          status: 'running',
          enqueue: [work(runId, 'a/a1', events[0]!.seq)],
        });
      }
      expect(
        (await store.claimWork({ workerId: 'w1', runId: 'r2', limit: 5, leaseUntil: 10_000 })).map((w) => w.runId),
      ).toEqual(['r2']);
      expect((await store.listWork('r1'))[0]?.claimedBy).toBeNull();
      await store.close();
    });

    it('claims work in dispatch order, once, in batches, and dequeues it with the outcome', async () => {
      const store = await makeStore();
      let head = await createRun(store, 'r1');
      const ids = ['a/a1', 'b/a1', 'c/a1'];
      const events = chainEvents('r1', head, ids.map(dispatched), AT);
      await store.append({
        runId: 'r1',
        expectedSeq: head.seq,
        events,
        status: 'running',
        enqueue: ids.map((id, i) => work('r1', id, events[i]!.seq)),
      });
      head = { seq: events.at(-1)!.seq, hash: events.at(-1)!.hash };
      const first = await store.claimWork({ workerId: 'w1', limit: 2, leaseUntil: 10_000 });
      expect(first.map((w) => [w.attemptId, w.claimedBy, w.leaseUntil])).toEqual([
        ['a/a1', 'w1', 10_000],
        ['b/a1', 'w1', 10_000],
      ]);
      const second = await store.claimWork({ workerId: 'w2', limit: 5, leaseUntil: 10_000 });
      expect(second.map((w) => w.attemptId)).toEqual(['c/a1']);
      expect(await store.claimWork({ workerId: 'w3', limit: 5, leaseUntil: 10_000 })).toEqual([]);
      expect((await store.renewLeases('w1', 20_000)).map((k) => k.attemptId).sort()).toEqual(['a/a1', 'b/a1']);
      expect((await store.listWork('r1')).map((w) => w.leaseUntil)).toEqual([20_000, 20_000, 10_000]);
      const done = chainEvents(
        'r1',
        head,
        [{ type: 'attempt.succeeded', data: { attemptId: 'a/a1', output: null, durationMs: 1 } }],
        AT,
      );
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: done, status: 'running', dequeue: ['a/a1'] });
      expect((await store.listWork('r1')).map((w) => w.attemptId)).toEqual(['b/a1', 'c/a1']);
      await store.close();
    });

    it('lets a worker claim only commands, its own functions, and the skills it serves', async () => {
      const store = await makeStore();
      await runWithWork(store, 'r1', [
        { id: 'cmd/a1', more: { skill: 'build' } },
        { id: 'fn/a1', more: { kind: 'function', capability: 'embed', skill: 'embed' } },
        { id: 'other/a1', more: { kind: 'function', capability: 'llm', skill: 'write' } },
      ]);
      const claim = (workerId: string, filters: { functions?: string[]; skills?: string[] }) =>
        store.claimWork({ workerId, limit: 10, leaseUntil: 10_000, ...filters });
      expect((await claim('w1', { functions: ['embed'], skills: ['embed'] })).map((w) => w.attemptId)).toEqual([
        'fn/a1',
      ]);
      expect((await claim('w2', { functions: [] })).map((w) => [w.attemptId, w.kind, w.skill, w.revision])).toEqual([
        ['cmd/a1', 'command', 'build', 1],
      ]);
      expect(await claim('w3', { functions: ['embed'] })).toEqual([]);
      expect((await claim('w4', {})).map((w) => w.attemptId)).toEqual(['other/a1']);
      await store.close();
    });

    it('takes a worker outcome only on an item it holds, and hands it to the conductor until it is recorded', async () => {
      const store = await makeStore();
      const head = await runWithWork(store, 'r1', [{ id: 'a/a1' }, { id: 'b/a1' }]);
      await store.claimWork({ workerId: 'w1', limit: 1, leaseUntil: 10_000 });
      const report = (workerId: string, attemptId: string) =>
        store.reportWork(workerId, [{ runId: 'r1', attemptId, outcome: succeeded(attemptId) }]);
      expect(await report('w2', 'a/a1')).toEqual([]);
      expect(await report('w1', 'b/a1')).toEqual([]);
      expect(await report('w1', 'a/a1')).toEqual([{ runId: 'r1', attemptId: 'a/a1' }]);
      expect(await report('w1', 'a/a1')).toEqual([]);
      expect((await store.reportedWork('r1')).map((w) => [w.attemptId, w.outcome])).toEqual([
        ['a/a1', succeeded('a/a1')],
      ]);
      expect(await store.renewLeases('w1', 20_000)).toEqual([]);
      const done = chainEvents('r1', head, [succeeded('a/a1')], AT);
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: done, status: 'running', dequeue: ['a/a1'] });
      expect(await store.reportedWork('r1')).toEqual([]);
      await store.close();
    });

    it('keeps an abandoned item for its late outcome, and returns a released one to the queue', async () => {
      const store = await makeStore();
      const head = await runWithWork(store, 'r1', [{ id: 'a/a1' }, { id: 'b/a1' }]);
      await store.claimWork({ workerId: 'w1', limit: 2, leaseUntil: 10_000 });
      const gaveUp = chainEvents(
        'r1',
        head,
        [{ type: 'attempt.abandoned', data: { attemptId: 'a/a1', reason: 'lease expired' } }],
        AT,
      );
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: gaveUp, status: 'running', abandon: ['a/a1'] });
      expect((await store.renewLeases('w1', 20_000)).map((k) => k.attemptId)).toEqual(['b/a1']);
      expect((await store.listWork('r1')).find((w) => w.attemptId === 'a/a1')).toMatchObject({
        abandoned: true,
        claimedBy: 'w1',
        leaseUntil: null,
      });
      await store.releaseWork('w1', [
        { runId: 'r1', attemptId: 'a/a1' },
        { runId: 'r1', attemptId: 'b/a1' },
      ]);
      expect((await store.claimWork({ workerId: 'w2', limit: 5, leaseUntil: 10_000 })).map((w) => w.attemptId)).toEqual(
        ['b/a1'],
      );
      expect(await store.reportWork('w1', [{ runId: 'r1', attemptId: 'a/a1', outcome: succeeded('a/a1') }])).toEqual([
        { runId: 'r1', attemptId: 'a/a1' },
      ]);
      await store.close();
    });

    it("empties a run's queue when the run ends", async () => {
      const store = await makeStore();
      const head = await runWithWork(store, 'r1', [{ id: 'a/a1' }, { id: 'b/a1' }]);
      const ended = chainEvents(
        'r1',
        head,
        [{ type: 'run.aborted', data: { reason: 'test', by: 'tester', compensated: [] } } as BatonEvent],
        AT,
      );
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: ended, status: 'aborted' });
      expect(await store.listWork('r1')).toEqual([]);
      await store.close();
    });
  });
}
