import { describe, expect, it } from 'vitest';
import { BatonError, ConflictError, NotFoundError, type LedgerEvent } from '../../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, SIGNING_KEYS_ID, verifyChain } from '../../../src/ledger/index.js';
import type { LedgerStore, WorkQueue } from '../../../src/store/index.js';
import {
  type Closable,
  AT,
  created,
  dispatched,
  work,
  createRun,
  appendTo,
  readStream,
  settled,
  resumed,
} from './fixtures.js';

/**
 * The LedgerStore port's contract: chained events read back exactly, appends all or nothing (with the work queue
 * changes and workspace ledger entries they carry), runs listed, paged and searched, and the workspace-wide stream.
 * Every adapter runs it through `describeStore` (../conformance.ts); the other ports named in its store's type
 * are what the tests need to set a case up (work enters the queue and runs exist only through appends).
 */
export function describeLedgerStore(name: string, makeStore: () => Promise<LedgerStore & WorkQueue & Closable>): void {
  describe(`LedgerStore conformance: ${name}`, () => {
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

    it("chains a planning's record between runs' entries, and a run never counts it as its own", async () => {
      const store = await makeStore();
      await createRun(store, 'r1');
      const record = {
        id: 'draft-1',
        promptHash: 'a'.repeat(64),
        capability: 'planner',
        model: 'openai gpt-4o-mini',
        calls: 2,
        repairs: 1,
        inputTokens: 100,
        outputTokens: 20,
        costUsd: 0.0001,
        budgetUsd: null,
        result: 'admitted' as const,
        planHash: 'b'.repeat(64),
        issues: [],
      };
      const [entry] = await Promise.all([store.appendPlanningRecord(record, AT), createRun(store, 'r2')]);
      expect(entry).toMatchObject({ type: 'plan.drafted', runId: 'draft-1', data: record });
      const entries = await store.readWorkspaceLedger();
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(entries.find((e) => e.type === 'plan.drafted')).toEqual(entry);
      expect(verifyChain(entries).ok).toBe(true);
      expect(await store.readWorkspaceLedger({ runId: 'draft-1' })).toEqual([entry]);
      await store.close();
    });

    it('chains signing keys onto the workspace ledger, one name and one key once, a revocation once', async () => {
      const store = await makeStore();
      const key = { name: 'k1', keyId: 'a'.repeat(16), principal: 'alice', publicKey: 'AAAA', by: 'ops' };
      // Registering at once as a run is created: both chain, one after the other.
      const [registered] = await Promise.all([
        store.appendKeyRecord({ type: 'key.registered', data: key }, AT),
        createRun(store, 'r1'),
      ]);
      expect(registered).toMatchObject({ type: 'key.registered', runId: SIGNING_KEYS_ID, data: key });
      // Two registrations of one name at once: exactly one goes in.
      const twice = await Promise.allSettled([
        store.appendKeyRecord({ type: 'key.registered', data: { ...key, name: 'k2', keyId: 'b'.repeat(16) } }, AT),
        store.appendKeyRecord({ type: 'key.registered', data: { ...key, name: 'k2', keyId: 'c'.repeat(16) } }, AT),
      ]);
      expect(twice.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      await expect(
        store.appendKeyRecord({ type: 'key.registered', data: { ...key, name: 'k3' } }, AT),
      ).rejects.toBeInstanceOf(ConflictError);
      const revoked = await store.appendKeyRecord(
        { type: 'key.revoked', data: { name: 'k1', reason: 'lost', by: 'ops' } },
        AT,
      );
      expect(revoked.data).toEqual({ name: 'k1', keyId: key.keyId, reason: 'lost', by: 'ops' });
      await expect(
        store.appendKeyRecord({ type: 'key.revoked', data: { name: 'k1', reason: null, by: 'ops' } }, AT),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        store.appendKeyRecord({ type: 'key.revoked', data: { name: 'nope', reason: null, by: 'ops' } }, AT),
      ).rejects.toBeInstanceOf(NotFoundError);
      const entries = await store.readWorkspaceLedger();
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(verifyChain(entries).ok).toBe(true);
      expect((await store.readWorkspaceLedger({ runId: SIGNING_KEYS_ID })).map((e) => e.type)).toEqual([
        'key.registered',
        'key.registered',
        'key.revoked',
      ]);
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

    it('writes a batch of many events (more than one statement holds) in seq order, read back exactly and still chained', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      // Forty events: several full statements' worth and a remainder, whatever the adapter's rows per statement.
      const batch = chainEvents(
        'r1',
        head,
        Array.from({ length: 40 }, (_, n) => (n % 3 === 0 ? dispatched(`s${n}/a1`) : resumed(`e${n}`))),
        AT,
      );
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: batch, status: 'running' });
      const read = await store.readEvents('r1');
      expect(read.map((e) => e.seq)).toEqual(Array.from({ length: 41 }, (_, n) => n + 1));
      expect(read.slice(1)).toEqual(batch);
      expect(verifyChain(read)).toMatchObject({ ok: true, events: 41 });
      const stream = await settled(
        () => readStream(store, 100),
        (page) => page.length === 41,
      );
      expect(stream.map((p) => p.event.seq)).toEqual(read.map((e) => e.seq));
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
      const ids = async (query: Parameters<LedgerStore['listRuns']>[0]) =>
        (await store.listRuns(query)).map((r) => r.runId);
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
  });
}
