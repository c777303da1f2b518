import { describe, expect, it } from 'vitest';
import { BatonError, ConflictError, type BatonEvent, type LedgerEvent } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, verifyChain, type ChainHead } from '../../src/ledger/index.js';
import {
  LockLostError,
  type ApiToken,
  type ContextEntry,
  type PositionedEvent,
  type Store,
  type StoreNotice,
  type WorkItem,
} from '../../src/store/index.js';

const AT = '2026-01-01T00:00:00.000Z';

function created(): BatonEvent {
  return {
    type: 'run.created',
    data: { plan: { baton: 1, name: 'p', steps: { a: { skill: 's' } } }, planHash: 'h', inputs: {}, registry: {} },
  };
}

function dispatched(attemptId: string): BatonEvent {
  return {
    type: 'attempt.dispatched',
    data: {
      attemptId,
      step: attemptId.split('/')[0] as string,
      index: null,
      iteration: 1,
      attempt: 1,
      idempotencyKey: `r/${attemptId}`,
      capability: 'c',
      input: { n: 1 },
      timeoutMs: null,
    },
  };
}

function work(
  runId: string,
  attemptId: string,
  seq: number,
  claimedBy: string | null = null,
  more: Partial<WorkItem> = {},
): WorkItem {
  return {
    runId,
    attemptId,
    step: attemptId.split('/')[0] as string,
    capability: 'c',
    kind: 'command',
    skill: null,
    revision: 1,
    idempotencyKey: `${runId}/${attemptId}`,
    input: { n: 1 },
    timeoutMs: 1000,
    enqueuedSeq: seq,
    claimedBy,
    leaseUntil: claimedBy ? 5_000 : null,
    abandoned: false,
    outcome: null,
    ...more,
  };
}

function succeeded(attemptId: string) {
  return { type: 'attempt.succeeded', data: { attemptId, output: { ok: attemptId }, durationMs: 2 } } as const;
}

/** Enqueues unclaimed items for attempts `ids` of a new run; returns the run's head. */
async function runWithWork(
  store: Store,
  runId: string,
  items: { id: string; more?: Partial<WorkItem> }[],
): Promise<ChainHead> {
  const head = await createRun(store, runId);
  const events = chainEvents(
    runId,
    head,
    items.map(({ id }) => dispatched(id)),
    AT,
  );
  await store.append({
    runId,
    expectedSeq: head.seq,
    events,
    status: 'running',
    enqueue: items.map(({ id, more }, i) => work(runId, id, events[i]!.seq, null, more)),
  });
  return { seq: events.at(-1)!.seq, hash: events.at(-1)!.hash };
}

/** Notices arrive asynchronously (Postgres delivers them after commit over another connection). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function createRun(store: Store, runId: string): Promise<ChainHead> {
  const events = chainEvents(runId, EMPTY_HEAD, [created()], AT);
  await store.append({ runId, expectedSeq: 0, events, status: 'running', create: { name: 'p', planHash: 'h' } });
  const last = events.at(-1)!;
  return { seq: last.seq, hash: last.hash };
}

async function appendTo(store: Store, runId: string, head: ChainHead, events: BatonEvent[]): Promise<ChainHead> {
  const chained = chainEvents(runId, head, events, AT);
  await store.append({ runId, expectedSeq: head.seq, events: chained, status: 'running' });
  const last = chained.at(-1)!;
  return { seq: last.seq, hash: last.hash };
}

/** Reads the whole workspace stream `pageSize` events at a time, each page after the last position read. */
async function readStream(store: Store, pageSize: number, after?: string): Promise<PositionedEvent[]> {
  const all: PositionedEvent[] = [];
  let position = after;
  for (;;) {
    const page = await store.readEventsAfter(position, pageSize);
    all.push(...page);
    if (page.length < pageSize) return all;
    position = page.at(-1)!.position;
  }
}

/**
 * Reads until `done` holds (up to 20 s). On PostgreSQL an event becomes readable in the
 * workspace stream only once every older transaction of the server has ended, so a stream
 * read can lag while some other client holds a transaction open; it never skips.
 */
export async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const resumed = (reason: string): BatonEvent => ({ type: 'run.resumed', data: { engine: 'e', reason } });

function token(name: string, scopes: ApiToken['scopes'] = ['read']): ApiToken & { secretHash: string } {
  return { id: `tok_${name}`, name, scopes, createdAt: AT, revokedAt: null, secretHash: `hash-of-${name}` };
}

/**
 * The Store port's contract (STYLE.md 8). Every adapter runs this same suite; its own test
 * file only says how to make a fresh store.
 */
export function describeStore(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    it("records every run's creation and end in the workspace ledger, chained, with the events it anchors", async () => {
      const store = await makeStore();
      const h1 = await createRun(store, 'r1');
      await createRun(store, 'r2');
      const end = chainEvents(
        'r1',
        h1,
        [dispatched('a/a1'), { type: 'run.succeeded', data: { succeeded: 1, skipped: 0, failed: 0 } }],
        AT,
      );
      // An append that conflicts writes no entry.
      await expect(
        store.append({
          runId: 'r1',
          expectedSeq: 0,
          events: chainEvents('r1', EMPTY_HEAD, [created()], AT),
          status: 'running',
          create: { name: 'p', planHash: 'h' },
        }),
      ).rejects.toThrow(ConflictError);
      await store.append({ runId: 'r1', expectedSeq: h1.seq, events: end, status: 'succeeded' });
      const entries = await store.readWorkspaceLedger();
      expect(entries.map((e) => [e.seq, e.type, e.runId, e.data])).toEqual([
        [1, 'run.created', 'r1', { seq: 1, hash: h1.hash, status: 'running' }],
        [2, 'run.created', 'r2', { seq: 1, hash: (await store.readEvents('r2'))[0]!.hash, status: 'running' }],
        [3, 'run.ended', 'r1', { seq: 3, hash: end[1]!.hash, status: 'succeeded' }],
      ]);
      expect(verifyChain(entries).ok).toBe(true);
      expect((await store.readWorkspaceLedger({ runId: 'r1' })).map((e) => e.seq)).toEqual([1, 3]);
      expect((await store.readWorkspaceLedger({ afterSeq: 1, limit: 1 })).map((e) => e.seq)).toEqual([2]);
      await store.close();
    });

    it('chains the workspace ledger without a gap or a repeat when many runs are created at once', async () => {
      const store = await makeStore();
      await Promise.all(Array.from({ length: 12 }, (_, i) => createRun(store, `c${i}`)));
      const entries = await store.readWorkspaceLedger();
      expect(entries).toHaveLength(12);
      expect(verifyChain(entries)).toMatchObject({ ok: true, events: 12 });
      await store.close();
    });

    it('appends chained events and reads them back exactly', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      const more = chainEvents(
        'r1',
        head,
        [
          dispatched('a/a1'),
          {
            type: 'attempt.succeeded',
            data: { attemptId: 'a/a1', output: { deep: [1, 'two', null, { x: 1.5 }] }, durationMs: 3 },
          },
        ],
        AT,
      );
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: more, status: 'running' });
      const events = await store.readEvents('r1');
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(events.slice(1)).toEqual(more);
      expect(verifyChain(events).ok).toBe(true);
      expect(await store.readEvents('r1', 1, 1)).toEqual([more[0]]);
      expect(await store.getRun('r1')).toMatchObject({
        runId: 'r1',
        name: 'p',
        status: 'running',
        headSeq: 3,
        headHash: more[1]!.hash,
      });
      await store.close();
    });

    it('reads back JSON that a database type could alter (NUL, lone surrogates, extreme numbers) exactly', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      const odd = {
        nul: 'a\u0000b',
        lone: '\ud800',
        music: '🎼',
        escapes: `"'\\\n`,
        big: 1e21,
        tiny: 5e-324,
        precise: 0.1 + 0.2,
        keys: { b: 1, a: 2, '': 3 },
      };
      const events = chainEvents(
        'r1',
        head,
        [{ type: 'attempt.succeeded', data: { attemptId: 'a/a1', output: odd, durationMs: 1 } }],
        AT,
      );
      await store.append({
        runId: 'r1',
        expectedSeq: head.seq,
        events,
        status: 'running',
        enqueue: [{ ...work('r1', 'a/a1', 2), input: odd }],
      });
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

    it('refuses an append onto a head that moved, and a second creation of a run, writing nothing', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      await expect(createRun(store, 'r1')).rejects.toBeInstanceOf(ConflictError);
      const stale = chainEvents('r1', { seq: 0, hash: head.hash }, [dispatched('a/a1')], AT);
      await expect(
        store.append({
          runId: 'r1',
          expectedSeq: 0,
          events: stale,
          status: 'running',
          create: { name: 'p', planHash: 'h' },
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      const next = chainEvents('r1', head, [dispatched('a/a1')], AT);
      await store.append({
        runId: 'r1',
        expectedSeq: head.seq,
        events: next,
        status: 'running',
        enqueue: [work('r1', 'a/a1', 2)],
      });
      await expect(
        store.append({
          runId: 'r1',
          expectedSeq: head.seq,
          events: next,
          status: 'running',
          enqueue: [work('r1', 'b/a1', 2)],
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect((await store.readEvents('r1')).length).toBe(2);
      expect((await store.listWork('r1')).map((w) => w.attemptId)).toEqual(['a/a1']);
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

    it('lists runs newest first, filtered by status', async () => {
      const store = await makeStore();
      await createRun(store, 'r1');
      const events = chainEvents('r2', EMPTY_HEAD, [created()], '2026-01-02T00:00:00.000Z');
      await store.append({
        runId: 'r2',
        expectedSeq: 0,
        events,
        status: 'succeeded',
        create: { name: 'q', planHash: 'h' },
      });
      expect((await store.listRuns()).map((r) => r.runId)).toEqual(['r2', 'r1']);
      expect((await store.listRuns({ status: 'running' })).map((r) => r.runId)).toEqual(['r1']);
      expect((await store.listRuns({ limit: 1 })).map((r) => r.runId)).toEqual(['r2']);
      expect(await store.getRun('nope')).toBeUndefined();
      await store.close();
    });

    it('numbers context entries per kind and lists them in the order they were recorded, filtered by kind', async () => {
      const store = await makeStore();
      await createRun(store, 'r1');
      const first = await store.addContextEntry({ kind: 'objective', text: 'ship 1.0', at: AT });
      expect(first).toEqual({
        id: 'obj-1',
        kind: 'objective',
        text: 'ship 1.0',
        runId: null,
        status: 'open',
        outcome: null,
        createdAt: AT,
        completedAt: null,
      });
      const insight = await store.addContextEntry({
        kind: 'insight',
        text: 'the cache halves build time',
        runId: 'r1',
        at: AT,
      });
      expect(insight).toEqual({
        id: 'ins-1',
        kind: 'insight',
        text: 'the cache halves build time',
        runId: 'r1',
        status: 'recorded',
        outcome: null,
        createdAt: AT,
        completedAt: null,
      });
      await store.addContextEntry({ kind: 'objective', text: 'cut build time', runId: 'r1', at: AT });
      await store.addContextEntry({ kind: 'insight', text: 'flaky test is timing-dependent', at: AT });
      expect((await store.listContextEntries()).map((e) => e.id)).toEqual(['obj-1', 'ins-1', 'obj-2', 'ins-2']);
      expect((await store.listContextEntries({ kind: 'insight' })).map((e) => e.id)).toEqual(['ins-1', 'ins-2']);
      expect((await store.listContextEntries({ kind: 'objective' })).map((e) => [e.id, e.runId])).toEqual([
        ['obj-1', null],
        ['obj-2', 'r1'],
      ]);
      await store.close();
    });

    it('numbers context entries added at the same time without gaps or repeats', async () => {
      const store = await makeStore();
      const kinds = Array.from({ length: 20 }, (_, i): ContextEntry['kind'] => (i % 2 === 0 ? 'objective' : 'insight'));
      const added = await Promise.all(
        kinds.map((kind, i) => store.addContextEntry({ kind, text: `entry ${i}`, at: AT })),
      );
      const numbers = (prefix: string) =>
        added
          .filter((e) => e.id.startsWith(prefix))
          .map((e) => Number(e.id.slice(4)))
          .sort((a, b) => a - b);
      expect(numbers('obj-')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(numbers('ins-')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await store.close();
    });

    it('completes an open objective once; an unknown id is undefined, an insight or a completed objective a conflict', async () => {
      const store = await makeStore();
      await store.addContextEntry({ kind: 'objective', text: 'ship 1.0', at: AT });
      await store.addContextEntry({ kind: 'insight', text: 'noted', at: AT });
      const done = '2026-01-02T00:00:00.000Z';
      const completed = await store.completeContextEntry({ id: 'obj-1', outcome: 'shipped on time', at: done });
      expect(completed).toEqual({
        id: 'obj-1',
        kind: 'objective',
        text: 'ship 1.0',
        runId: null,
        status: 'complete',
        outcome: 'shipped on time',
        createdAt: AT,
        completedAt: done,
      });
      await expect(store.completeContextEntry({ id: 'obj-1', outcome: 'again', at: AT })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(store.completeContextEntry({ id: 'ins-1', outcome: 'x', at: AT })).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect(await store.completeContextEntry({ id: 'obj-9', outcome: 'x', at: AT })).toBeUndefined();
      expect(await store.completeContextEntry({ id: 'nope', outcome: 'x', at: AT })).toBeUndefined();
      // The refused attempts changed nothing.
      expect(await store.listContextEntries()).toEqual([
        completed,
        expect.objectContaining({ id: 'ins-1', status: 'recorded', outcome: null, completedAt: null }),
      ]);
      await store.close();
    });

    it("streams every run's events in commit order, resumable after any position, without a gap or a repeat", async () => {
      const store = await makeStore();
      let a = await createRun(store, 'a');
      let b = await createRun(store, 'b');
      a = await appendTo(store, 'a', a, [resumed('a2'), resumed('a3')]);
      b = await appendTo(store, 'b', b, [resumed('b2')]);
      await appendTo(store, 'a', a, [resumed('a4')]);
      const whole = await settled(
        () => store.readEventsAfter(undefined, 100),
        (page) => page.length === 6,
      );
      const label = (e: LedgerEvent) => `${e.runId}${e.seq}`;
      expect(whole.map((p) => label(p.event))).toEqual(['a1', 'b1', 'a2', 'a3', 'b2', 'a4']);
      expect(whole.find((p) => label(p.event) === 'a3')?.event).toEqual((await store.readEvents('a', 2, 1))[0]);
      expect(new Set(whole.map((p) => p.position)).size).toBe(whole.length);
      // Any page size, resumed after every position in turn, gives the same stream.
      expect((await readStream(store, 1)).map((p) => p.position)).toEqual(whole.map((p) => p.position));
      expect((await readStream(store, 4)).map((p) => p.position)).toEqual(whole.map((p) => p.position));
      for (const [i, p] of whole.entries())
        expect((await store.readEventsAfter(p.position, 100)).map((q) => q.position)).toEqual(
          whole.slice(i + 1).map((q) => q.position),
        );
      // New events come after the last position read, never before it.
      const last = whole.at(-1)!.position;
      await appendTo(store, 'b', b, [resumed('b3')]);
      expect(
        (
          await settled(
            () => store.readEventsAfter(last, 100),
            (page) => page.length > 0,
          )
        ).map((p) => label(p.event)),
      ).toEqual(['b3']);
      await store.close();
    });

    it('refuses a stream position it did not give, as bad input', async () => {
      const store = await makeStore();
      for (const bad of ['x', '-1', '1.5', '', '99999999999999999999999999:1', 'a:b', '1:2:3']) {
        await expect(store.readEventsAfter(bad, 10), bad).rejects.toSatisfy(
          (error) => error instanceof BatonError && error.code === 'bad_input',
        );
      }
      await store.close();
    });

    it('refuses a stream position past its newest event (it never gave one), and accepts its newest', async () => {
      const store = await makeStore();
      await createRun(store, 'a');
      const [newest] = await settled(
        () => store.readEventsAfter(undefined, 10),
        (page) => page.length === 1,
      );
      expect(await store.readEventsAfter(newest!.position, 10)).toEqual([]);
      // The same form with a larger last number: past every event.
      const beyond = newest!.position.replace(/[0-9]+$/, (n) => String(Number(n) + 1_000));
      await expect(store.readEventsAfter(beyond, 10), beyond).rejects.toSatisfy(
        (error) =>
          error instanceof BatonError && error.code === 'bad_input' && /past the newest event/.test(error.message),
      );
      await store.close();
    });

    it('pages runs newest first after a given run', async () => {
      const store = await makeStore();
      for (const [runId, day] of [
        ['r1', 1],
        ['r2', 2],
        ['r3', 2],
        ['r4', 3],
      ] as const) {
        const events = chainEvents(runId, EMPTY_HEAD, [created()], `2026-01-0${day}T00:00:00.000Z`);
        await store.append({
          runId,
          expectedSeq: 0,
          events,
          status: runId === 'r3' ? 'failed' : 'running',
          create: { name: 'p', planHash: 'h' },
        });
      }
      const first = await store.listRuns({ limit: 2 });
      expect(first.map((r) => r.runId)).toEqual(['r4', 'r3']);
      const second = await store.listRuns({
        limit: 2,
        before: { createdAt: first[1]!.createdAt, runId: first[1]!.runId },
      });
      expect(second.map((r) => r.runId)).toEqual(['r2', 'r1']);
      expect(await store.listRuns({ limit: 2, before: { createdAt: second[1]!.createdAt, runId: 'r1' } })).toEqual([]);
      expect(
        (
          await store.listRuns({ status: 'running', before: { createdAt: '2026-01-03T00:00:00.000Z', runId: 'r4' } })
        ).map((r) => r.runId),
      ).toEqual(['r2', 'r1']);
      await store.close();
    });

    it('searches runs by id, plan name and objective, case-insensitively, with the status filter and paging', async () => {
      const store = await makeStore();
      const runs = [
        ['run-a', 'Nightly Build', 'ship the release', 'running', 1],
        ['run-b', 'deploy', 'Rebuild the CACHE', 'failed', 2],
        ['run-c', 'report', undefined, 'running', 3],
        ['build-d', 'report', 'weekly numbers', 'running', 4],
        ['run-e', '50%_off sale', 'C:\\temp\\x', 'running', 5],
        ['run-f', '5000 offers', 'tempo', 'running', 6],
      ] as const;
      for (const [runId, name, objective, status, day] of runs) {
        const plan = {
          baton: 1 as const,
          name,
          ...(objective !== undefined && { objective }),
          steps: { a: { skill: 's' } },
        };
        const events = chainEvents(
          runId,
          EMPTY_HEAD,
          [{ type: 'run.created', data: { plan, planHash: 'h', inputs: {}, registry: {} } }],
          `2026-01-0${day}T00:00:00.000Z`,
        );
        await store.append({ runId, expectedSeq: 0, events, status, create: { name, planHash: 'h' } });
      }
      const ids = async (query: Parameters<Store['listRuns']>[0]) => (await store.listRuns(query)).map((r) => r.runId);
      expect(await ids({ search: 'BUILD' })).toEqual(['build-d', 'run-b', 'run-a']);
      expect(await ids({ search: 'cache' })).toEqual(['run-b']);
      expect(await ids({ search: 'RUN-C' })).toEqual(['run-c']);
      expect(await ids({ search: 'build', status: 'running' })).toEqual(['build-d', 'run-a']);
      expect(await ids({ search: 'build', limit: 1 })).toEqual(['build-d']);
      expect(
        await ids({ search: 'build', limit: 1, before: { createdAt: '2026-01-04T00:00:00.000Z', runId: 'build-d' } }),
      ).toEqual(['run-b']);
      // LIKE's wildcards and escape are matched as the characters they are.
      expect(await ids({ search: '%' })).toEqual(['run-e']);
      expect(await ids({ search: '50%_' })).toEqual(['run-e']);
      expect(await ids({ search: '5_0' })).toEqual([]);
      expect(await ids({ search: '\\temp' })).toEqual(['run-e']);
      expect(await ids({ search: 'nothing like it' })).toEqual([]);
      await store.close();
    });

    it('keeps API tokens by the hash of their secret: unique names, found by hash, revoked once', async () => {
      const store = await makeStore();
      const ci = await store.createApiToken(token('ci', ['read', 'operate']));
      expect(ci).toEqual({ id: 'tok_ci', name: 'ci', scopes: ['read', 'operate'], createdAt: AT, revokedAt: null });
      await store.createApiToken(token('ops', ['admin']));
      await expect(
        store.createApiToken({ ...token('ci'), id: 'tok_other', secretHash: 'other' }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await store.findApiToken('hash-of-ci')).toEqual(ci);
      expect(await store.findApiToken('hash-of-nobody')).toBeUndefined();
      const later = '2026-01-02T00:00:00.000Z';
      expect(await store.revokeApiToken({ idOrName: 'ci', at: later })).toEqual({ ...ci, revokedAt: later });
      await expect(store.revokeApiToken({ idOrName: 'tok_ci', at: later })).rejects.toBeInstanceOf(ConflictError);
      expect(await store.revokeApiToken({ idOrName: 'nobody', at: later })).toBeUndefined();
      // A revoked token is still found (so that it can be refused as revoked) and keeps its name.
      expect(await store.findApiToken('hash-of-ci')).toEqual({ ...ci, revokedAt: later });
      await expect(
        store.createApiToken({ ...token('ci'), id: 'tok_again', secretHash: 'again' }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect((await store.listApiTokens()).map((t) => t.name)).toEqual(['ci', 'ops']);
      expect((await store.listApiTokens({ active: true })).map((t) => t.name)).toEqual(['ops']);
      await store.close();
    });
  });
}
