import { describe, expect, it } from 'vitest';
import { ConflictError, type BatonEvent } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, verifyChain, type ChainHead } from '../../src/ledger/index.js';
import type { Store, WorkItem } from '../../src/store/index.js';

const AT = '2026-01-01T00:00:00.000Z';

function created(): BatonEvent {
  return { type: 'run.created', data: { plan: { baton: 1, name: 'p', steps: { a: { skill: 's' } } }, planHash: 'h', inputs: {}, registry: {} } };
}

function dispatched(attemptId: string): BatonEvent {
  return { type: 'attempt.dispatched', data: { attemptId, step: attemptId.split('/')[0] as string, index: null, iteration: 1, attempt: 1, idempotencyKey: `r/${attemptId}`, capability: 'c', input: { n: 1 }, timeoutMs: null } };
}

function work(runId: string, attemptId: string, seq: number, claimedBy: string | null = null): WorkItem {
  return { runId, attemptId, step: attemptId.split('/')[0] as string, capability: 'c', idempotencyKey: `${runId}/${attemptId}`, input: { n: 1 }, timeoutMs: 1000, enqueuedSeq: seq, claimedBy, leaseUntil: claimedBy ? 5_000 : null };
}

async function createRun(store: Store, runId: string): Promise<ChainHead> {
  const events = chainEvents(runId, EMPTY_HEAD, [created()], AT);
  await store.append({ runId, expectedSeq: 0, events, status: 'running', create: { name: 'p', planHash: 'h' } });
  const last = events.at(-1)!;
  return { seq: last.seq, hash: last.hash };
}

/**
 * The Store port's contract (STYLE.md 8). Every adapter runs this same suite; its own test
 * file only says how to make a fresh store.
 */
export function describeStore(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    it('appends chained events and reads them back exactly', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      const more = chainEvents('r1', head, [dispatched('a/a1'), { type: 'attempt.succeeded', data: { attemptId: 'a/a1', output: { deep: [1, 'two', null, { x: 1.5 }] }, durationMs: 3 } }], AT);
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: more, status: 'running' });
      const events = await store.readEvents('r1');
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(events.slice(1)).toEqual(more);
      expect(verifyChain(events).ok).toBe(true);
      expect(await store.readEvents('r1', 1, 1)).toEqual([more[0]]);
      expect(await store.getRun('r1')).toMatchObject({ runId: 'r1', name: 'p', status: 'running', headSeq: 3, headHash: more[1]!.hash });
      await store.close();
    });

    it('reads back JSON that a database type could alter (NUL, lone surrogates, extreme numbers) exactly', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      const odd = { nul: 'a\u0000b', lone: '\ud800', music: '🎼', escapes: `"'\\\n`, big: 1e21, tiny: 5e-324, precise: 0.1 + 0.2, keys: { b: 1, a: 2, '': 3 } };
      const events = chainEvents('r1', head, [{ type: 'attempt.succeeded', data: { attemptId: 'a/a1', output: odd, durationMs: 1 } }], AT);
      await store.append({ runId: 'r1', expectedSeq: head.seq, events, status: 'running', enqueue: [{ ...work('r1', 'a/a1', 2), input: odd }] });
      const [read] = await store.readEvents('r1', head.seq);
      expect(read).toEqual(events[0]);
      expect(Object.keys((read!.data as { output: object }).output)).toEqual(Object.keys(odd));
      expect(verifyChain(await store.readEvents('r1')).ok).toBe(true);
      expect((await store.listWork('r1'))[0]?.input).toEqual(odd);
      await store.close();
    });

    it('claims only the work of the run it is asked for', async () => {
      const store = await makeStore();
      for (const runId of ['r1', 'r2']) {
        const head = await createRun(store, runId);
        const events = chainEvents(runId, head, [dispatched('a/a1')], AT);
        await store.append({ runId, expectedSeq: head.seq, events, status: 'running', enqueue: [work(runId, 'a/a1', events[0]!.seq)] });
      }
      expect((await store.claimWork({ workerId: 'w1', runId: 'r2', limit: 5, leaseUntil: 10_000 })).map((w) => w.runId)).toEqual(['r2']);
      expect((await store.listWork('r1'))[0]?.claimedBy).toBeNull();
      await store.close();
    });

    it('refuses an append onto a head that moved, and a second creation of a run, writing nothing', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      await expect(createRun(store, 'r1')).rejects.toBeInstanceOf(ConflictError);
      const stale = chainEvents('r1', { seq: 0, hash: head.hash }, [dispatched('a/a1')], AT);
      await expect(store.append({ runId: 'r1', expectedSeq: 0, events: stale, status: 'running', create: { name: 'p', planHash: 'h' } })).rejects.toBeInstanceOf(ConflictError);
      const next = chainEvents('r1', head, [dispatched('a/a1')], AT);
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: next, status: 'running', enqueue: [work('r1', 'a/a1', 2)] });
      await expect(store.append({ runId: 'r1', expectedSeq: head.seq, events: next, status: 'running', enqueue: [work('r1', 'b/a1', 2)] })).rejects.toBeInstanceOf(ConflictError);
      expect((await store.readEvents('r1')).length).toBe(2);
      expect((await store.listWork('r1')).map((w) => w.attemptId)).toEqual(['a/a1']);
      await store.close();
    });

    it('claims work in dispatch order, once, in batches, and dequeues it with the outcome', async () => {
      const store = await makeStore();
      let head = await createRun(store, 'r1');
      const ids = ['a/a1', 'b/a1', 'c/a1'];
      const events = chainEvents('r1', head, ids.map(dispatched), AT);
      await store.append({ runId: 'r1', expectedSeq: head.seq, events, status: 'running', enqueue: ids.map((id, i) => work('r1', id, events[i]!.seq)) });
      head = { seq: events.at(-1)!.seq, hash: events.at(-1)!.hash };
      const first = await store.claimWork({ workerId: 'w1', limit: 2, leaseUntil: 10_000 });
      expect(first.map((w) => [w.attemptId, w.claimedBy, w.leaseUntil])).toEqual([
        ['a/a1', 'w1', 10_000],
        ['b/a1', 'w1', 10_000],
      ]);
      const second = await store.claimWork({ workerId: 'w2', limit: 5, leaseUntil: 10_000 });
      expect(second.map((w) => w.attemptId)).toEqual(['c/a1']);
      expect(await store.claimWork({ workerId: 'w3', limit: 5, leaseUntil: 10_000 })).toEqual([]);
      expect(await store.renewLeases('w1', 20_000)).toBe(2);
      expect((await store.listWork('r1')).map((w) => w.leaseUntil)).toEqual([20_000, 20_000, 10_000]);
      const done = chainEvents('r1', head, [{ type: 'attempt.succeeded', data: { attemptId: 'a/a1', output: null, durationMs: 1 } }], AT);
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: done, status: 'running', dequeue: ['a/a1'] });
      expect((await store.listWork('r1')).map((w) => w.attemptId)).toEqual(['b/a1', 'c/a1']);
      await store.close();
    });

    it('gives the conductor lock to one owner at a time, and to another once it expires or is released', async () => {
      const store = await makeStore();
      await createRun(store, 'r1');
      const a = { id: 'a', host: 'h', pid: 1 };
      const b = { id: 'b', host: 'h', pid: 2 };
      expect(await store.acquireRunLock({ runId: 'r1', owner: a, expiresAt: 1_000, now: 0 })).toEqual({ acquired: true });
      expect(await store.acquireRunLock({ runId: 'r1', owner: b, expiresAt: 1_500, now: 500 })).toEqual({ acquired: false, holder: { ...a, expiresAt: 1_000 } });
      expect(await store.acquireRunLock({ runId: 'r1', owner: a, expiresAt: 2_000, now: 900 })).toEqual({ acquired: true });
      expect(await store.acquireRunLock({ runId: 'r1', owner: b, expiresAt: 3_000, now: 2_001 })).toEqual({ acquired: true });
      expect(await store.acquireRunLock({ runId: 'r1', owner: a, expiresAt: 3_000, now: 2_500, replacing: 'b' })).toEqual({ acquired: true });
      await store.releaseRunLock('r1', 'a');
      expect(await store.acquireRunLock({ runId: 'r1', owner: b, expiresAt: 9_000, now: 2_600 })).toEqual({ acquired: true });
      await store.close();
    });

    it('lists runs newest first, filtered by status', async () => {
      const store = await makeStore();
      await createRun(store, 'r1');
      const events = chainEvents('r2', EMPTY_HEAD, [created()], '2026-01-02T00:00:00.000Z');
      await store.append({ runId: 'r2', expectedSeq: 0, events, status: 'succeeded', create: { name: 'q', planHash: 'h' } });
      expect((await store.listRuns()).map((r) => r.runId)).toEqual(['r2', 'r1']);
      expect((await store.listRuns({ status: 'running' })).map((r) => r.runId)).toEqual(['r1']);
      expect((await store.listRuns({ limit: 1 })).map((r) => r.runId)).toEqual(['r2']);
      expect(await store.getRun('nope')).toBeUndefined();
      await store.close();
    });
  });
}
