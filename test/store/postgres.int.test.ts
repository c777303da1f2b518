import { Client } from 'pg';
import { expect, it } from 'vitest';
import { ConflictError, type BatonEvent } from '../../src/core/index.js';
import { chainEvents, ChainVerifier, EMPTY_HEAD } from '../../src/ledger/index.js';
import {
  loadMigrations,
  readAllEvents,
  type PositionedEvent,
  type Store,
  type WorkItem,
} from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { adminQuery, describePostgres, freshSchema, testDatabaseUrl } from '../support/postgres.js';
import { describeStore, settled } from './conformance.js';

const AT = '2026-01-01T00:00:00.000Z';

const created: BatonEvent = {
  type: 'run.created',
  data: { plan: { baton: 1, name: 'p', steps: { a: { skill: 's' } } }, planHash: 'h', inputs: {}, registry: {} },
};

async function createRun(store: Store, runId: string, enqueue: WorkItem[] = []): Promise<void> {
  const events = chainEvents(runId, EMPTY_HEAD, [created], AT);
  await store.append({
    runId,
    expectedSeq: 0,
    events,
    status: 'running',
    create: { name: 'p', planHash: 'h' },
    enqueue,
  });
}

/** `count` stores on one schema, each its own pool: as many processes would share the database. */
function connectMany(url: string, schema: string, count: number): Promise<PostgresStore[]> {
  return Promise.all(Array.from({ length: count }, () => PostgresStore.connect(url, { schema, maxConnections: 2 })));
}

describePostgres('PostgreSQL store', (url) => {
  describeStore('PostgreSQL', () => PostgresStore.connect(url, { schema: freshSchema() }));

  it('migrates an empty database once when several processes start at the same moment', async () => {
    const schema = freshSchema();
    const stores = await connectMany(url, schema, 5);
    expect(await adminQuery(`SELECT version, name FROM ${schema}.baton_migrations`)).toEqual(
      loadMigrations('postgres').map(({ version, name }) => ({ version, name })),
    );
    await createRun(stores[0]!, 'r1');
    expect((await stores[4]!.getRun('r1'))?.headSeq).toBe(1);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('gives events recorded before stream positions existed positions run by run, oldest run first, each in seq order', async () => {
    const schema = freshSchema();
    const initial = loadMigrations('postgres').find((m) => m.version === 1)!;
    const statements = [
      `CREATE SCHEMA ${schema}`,
      `SET search_path = ${schema}`,
      initial.sql,
      `CREATE TABLE baton_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`,
      `INSERT INTO baton_migrations VALUES (1, '001_initial', 'x')`,
    ];
    // Run b was created after run a, but its events were inserted first.
    for (const [runId, day] of [
      ['b', 2],
      ['a', 1],
    ] as const) {
      const at = `2026-01-0${day}T00:00:00.000Z`;
      const events = chainEvents(
        runId,
        EMPTY_HEAD,
        [0, 1].map((n) => ({ type: 'run.resumed', data: { engine: 'e', reason: String(n) } }) as const),
        at,
      );
      statements.push(
        `INSERT INTO runs (run_id, name, plan_hash, status, created_at, updated_at, head_seq, head_hash) VALUES ('${runId}', 'p', 'h', 'running', '${at}', '${at}', 2, '${events[1]!.hash}')`,
      );
      for (const e of events)
        statements.push(
          `INSERT INTO events (run_id, seq, type, at, data, prev_hash, hash) VALUES ('${runId}', ${e.seq}, '${e.type}', '${e.at}', '${JSON.stringify(e.data)}', '${e.prevHash}', '${e.hash}')`,
        );
    }
    await adminQuery(statements.join(';\n'));
    const store = await PostgresStore.connect(url, { schema });
    const read = await settled(
      () => store.readEventsAfter(undefined, 10),
      (page) => page.length === 4,
    );
    expect(read.map((p) => `${p.event.runId}${p.event.seq}`)).toEqual(['a1', 'a2', 'b1', 'b2']);
    // New events come after them.
    const a = (await store.getRun('a'))!;
    await store.append({
      runId: 'a',
      expectedSeq: 2,
      events: chainEvents(
        'a',
        { seq: a.headSeq, hash: a.headHash },
        [{ type: 'run.resumed', data: { engine: 'e', reason: 'new' } }],
        AT,
      ),
      status: 'running',
    });
    expect(
      (
        await settled(
          () => store.readEventsAfter(read.at(-1)!.position, 10),
          (page) => page.length > 0,
        )
      ).map((p) => `${p.event.runId}${p.event.seq}`),
    ).toEqual(['a3']);
    await store.close();
  });

  it('refuses a database migrated by a newer Baton', async () => {
    const schema = freshSchema();
    await (await PostgresStore.connect(url, { schema })).close();
    await adminQuery(
      `INSERT INTO ${schema}.baton_migrations (version, name, applied_at) VALUES (99, '099_future', 'x')`,
    );
    await expect(PostgresStore.connect(url, { schema })).rejects.toThrow(
      `the database schema is at version 99, newer than this Baton knows (${loadMigrations('postgres').at(-1)!.version})`,
    );
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(PostgresStore.connect(url, { schema: 'x; DROP TABLE runs' })).rejects.toThrow(
      /schema name .* is not valid/,
    );
  });

  it('keeps one chain, with no gap and no fork, when many processes append to one run at once', async () => {
    const schema = freshSchema();
    const [reader, ...appenders] = await connectMany(url, schema, 9);
    await createRun(reader!, 'r1');
    const rounds = 10;
    let conflicts = 0;
    // Each appender reads the head, chains two events onto it and appends; on a conflict it
    // reads the new head and tries again, as the engine does.
    await Promise.all(
      appenders.map(async (store, i) => {
        for (let round = 0; round < rounds;) {
          const run = (await store.getRun('r1'))!;
          const events = chainEvents(
            'r1',
            { seq: run.headSeq, hash: run.headHash },
            [0, 1].map(
              (n) => ({ type: 'run.resumed', data: { engine: `e${i}`, reason: `round ${round}.${n}` } }) as BatonEvent,
            ),
            AT,
          );
          try {
            await store.append({ runId: 'r1', expectedSeq: run.headSeq, events, status: 'running' });
            round += 1;
          } catch (error) {
            if (!(error instanceof ConflictError)) throw error;
            conflicts += 1;
          }
        }
      }),
    );
    const verifier = new ChainVerifier();
    const reasons = new Set<string>();
    for await (const event of readAllEvents(reader!, 'r1', 16)) {
      verifier.push(event);
      if (event.type === 'run.resumed') reasons.add(`${event.data.engine}/${event.data.reason}`);
    }
    const total = 1 + appenders.length * rounds * 2;
    expect(verifier.verdict).toMatchObject({ ok: true, events: total, head: { seq: total } });
    expect(reasons.size).toBe(total - 1);
    expect(await reader!.getRun('r1')).toMatchObject({
      headSeq: total,
      headHash: (verifier.verdict as { head: { hash: string } }).head.hash,
    });
    // The appenders did race: every round after the first had several of them on one head.
    expect(conflicts).toBeGreaterThan(0);
    await Promise.all([reader, ...appenders].map((store) => store!.close()));
  });

  it('never hands one work item to two workers claiming at once', async () => {
    const schema = freshSchema();
    const [owner, ...workers] = await connectMany(url, schema, 5);
    const items = Array.from({ length: 60 }, (_, i): WorkItem => ({
      runId: 'r1',
      attemptId: `s${i}/a1`,
      step: `s${i}`,
      capability: 'c',
      idempotencyKey: `r1/s${i}`,
      input: i,
      timeoutMs: null,
      enqueuedSeq: i + 2,
      claimedBy: null,
      leaseUntil: null,
      kind: 'command',
      skill: null,
      revision: 1,
      abandoned: false,
      outcome: null,
    }));
    await createRun(owner!, 'r1', items);
    const claimed = await Promise.all(
      workers.map(async (worker, i) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await worker.claimWork({ workerId: `w${i}`, limit: 3, leaseUntil: 10_000 });
          if (!batch.length) return mine;
          mine.push(...batch.map((item) => item.attemptId));
        }
      }),
    );
    const all = claimed.flat();
    expect(all.length).toBe(items.length);
    expect(new Set(all).size).toBe(items.length);
    const holders = new Map((await owner!.listWork('r1')).map((item) => [item.attemptId, item.claimedBy]));
    claimed.forEach((ids, i) => ids.forEach((id) => expect(holders.get(id)).toBe(`w${i}`)));
    await Promise.all([owner, ...workers].map((store) => store!.close()));
  });

  it('numbers context entries without repeats across processes, and completes only open objectives', async () => {
    const schema = freshSchema();
    const stores = await connectMany(url, schema, 4);
    const added = await Promise.all(
      stores.flatMap((store, i) =>
        [0, 1, 2].map((n) =>
          store.addContextEntry({ kind: n === 2 ? 'insight' : 'objective', text: `${i}.${n}`, at: AT }),
        ),
      ),
    );
    const ids = added.map((entry) => entry.id).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(ids).toEqual([...[1, 2, 3, 4].map((n) => `ins-${n}`), ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `obj-${n}`)]);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    expect(await a.completeContextEntry({ id: 'obj-3', outcome: 'done', at: AT })).toMatchObject({
      id: 'obj-3',
      status: 'complete',
      outcome: 'done',
      completedAt: AT,
    });
    await expect(b.completeContextEntry({ id: 'obj-3', outcome: 'again', at: AT })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(b.completeContextEntry({ id: 'ins-1', outcome: 'x', at: AT })).rejects.toBeInstanceOf(ConflictError);
    expect(await b.completeContextEntry({ id: 'obj-99', outcome: 'x', at: AT })).toBeUndefined();
    expect(
      (await b.listContextEntries({ kind: 'objective' })).filter((e) => e.status === 'complete').map((e) => e.id),
    ).toEqual(['obj-3']);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('does not stream an event committed while an older transaction that writes events is still open, and then streams both in order', async () => {
    const schema = freshSchema();
    const store = await PostgresStore.connect(url, { schema });
    await createRun(store, 'early');
    await createRun(store, 'late');
    const seen = await settled(
      () => store.readEventsAfter(undefined, 100),
      (page) => page.length === 2,
    );
    const position = seen.at(-1)!.position;
    // An append to `early` takes its transaction id and position first and stays open...
    const slow = new Client({ connectionString: testDatabaseUrl });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(
        `INSERT INTO ${schema}.events (run_id, seq, type, at, data, prev_hash, hash) VALUES ('early', 2, 'run.resumed', $1, '{}', 'p', 'h')`,
        [AT],
      );
      // ...while an append to `late` starts after it and commits first.
      const late = (await store.getRun('late'))!;
      await store.append({
        runId: 'late',
        expectedSeq: 1,
        events: chainEvents(
          'late',
          { seq: late.headSeq, hash: late.headHash },
          [{ type: 'run.resumed', data: { engine: 'e', reason: 'r' } }],
          AT,
        ),
        status: 'running',
      });
      // A bigserial alone would show late/2 now, and a reader moving past it would never see early/2.
      expect(await store.readEventsAfter(position, 100)).toEqual([]);
      await slow.query('COMMIT');
    } finally {
      await slow.end();
    }
    const after = await settled(
      () => store.readEventsAfter(position, 100),
      (page) => page.length === 2,
    );
    expect(after.map((p) => `${p.event.runId}/${p.event.seq}`)).toEqual(['early/2', 'late/2']);
    await store.close();
  });

  it("streams every event once, in each run's order, to a reader that follows many processes appending to many runs at once", async () => {
    const schema = freshSchema();
    const [reader, ...appenders] = await connectMany(url, schema, 5);
    const runs = ['r0', 'r1', 'r2', 'r3'];
    for (const runId of runs) await createRun(reader!, runId);
    const rounds = 15;
    let writing = true;
    const read: PositionedEvent[] = [];
    const follow = (async () => {
      let position: string | undefined;
      for (;;) {
        const stopping = !writing;
        const page = await reader!.readEventsAfter(position, 7);
        read.push(...page);
        if (page.length > 0) position = page.at(-1)!.position;
        else if (stopping) return;
      }
    })();
    await Promise.all(
      appenders.map(async (store, i) => {
        for (let round = 0; round < rounds;) {
          const runId = runs[(i + round) % runs.length]!;
          const run = (await store.getRun(runId))!;
          const events = chainEvents(
            runId,
            { seq: run.headSeq, hash: run.headHash },
            [0, 1, 2].map(
              (n) => ({ type: 'run.resumed', data: { engine: `e${i}`, reason: `${round}.${n}` } }) as BatonEvent,
            ),
            AT,
          );
          try {
            await store.append({ runId, expectedSeq: run.headSeq, events, status: 'running' });
            round += 1;
          } catch (error) {
            if (!(error instanceof ConflictError)) throw error;
          }
        }
      }),
    );
    // Let the reader catch up with everything committed, then stop it.
    await settled(
      async () => read.length,
      (count) => count === runs.length + appenders.length * rounds * 3,
    );
    writing = false;
    await follow;
    expect(read.length).toBe(runs.length + appenders.length * rounds * 3);
    expect(new Set(read.map((p) => `${p.event.runId}/${p.event.seq}`)).size).toBe(read.length);
    for (const runId of runs) {
      const seqs = read.filter((p) => p.event.runId === runId).map((p) => p.event.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    await Promise.all([reader, ...appenders].map((store) => store!.close()));
  });
});
