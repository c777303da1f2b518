import { expect, it } from 'vitest';
import { ConflictError, type BatonEvent } from '../../src/core/index.js';
import { chainEvents, ChainVerifier, EMPTY_HEAD } from '../../src/ledger/index.js';
import { loadMigrations, PostgresStore, readAllEvents, type Store, type WorkItem } from '../../src/store/index.js';
import { adminQuery, describePostgres, freshSchema } from '../support/postgres.js';
import { describeStore } from './conformance.js';

const AT = '2026-01-01T00:00:00.000Z';

const created: BatonEvent = { type: 'run.created', data: { plan: { baton: 1, name: 'p', steps: { a: { skill: 's' } } }, planHash: 'h', inputs: {}, registry: {} } };

async function createRun(store: Store, runId: string, enqueue: WorkItem[] = []): Promise<void> {
  const events = chainEvents(runId, EMPTY_HEAD, [created], AT);
  await store.append({ runId, expectedSeq: 0, events, status: 'running', create: { name: 'p', planHash: 'h' }, enqueue });
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
    expect(await adminQuery(`SELECT version, name FROM ${schema}.baton_migrations`)).toEqual(loadMigrations('postgres').map(({ version, name }) => ({ version, name })));
    await createRun(stores[0]!, 'r1');
    expect((await stores[4]!.getRun('r1'))?.headSeq).toBe(1);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('refuses a database migrated by a newer Baton', async () => {
    const schema = freshSchema();
    await (await PostgresStore.connect(url, { schema })).close();
    await adminQuery(`INSERT INTO ${schema}.baton_migrations (version, name, applied_at) VALUES (99, '099_future', 'x')`);
    await expect(PostgresStore.connect(url, { schema })).rejects.toThrow(`the database schema is at version 99, newer than this Baton knows (${loadMigrations('postgres').at(-1)!.version})`);
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(PostgresStore.connect(url, { schema: 'x; DROP TABLE runs' })).rejects.toThrow(/schema name .* is not valid/);
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
        for (let round = 0; round < rounds; ) {
          const run = (await store.getRun('r1'))!;
          const events = chainEvents('r1', { seq: run.headSeq, hash: run.headHash }, [0, 1].map((n) => ({ type: 'run.resumed', data: { engine: `e${i}`, reason: `round ${round}.${n}` } }) as BatonEvent), AT);
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
    expect(await reader!.getRun('r1')).toMatchObject({ headSeq: total, headHash: (verifier.verdict as { head: { hash: string } }).head.hash });
    // The appenders did race: every round after the first had several of them on one head.
    expect(conflicts).toBeGreaterThan(0);
    await Promise.all([reader, ...appenders].map((store) => store!.close()));
  });

  it('never hands one work item to two workers claiming at once', async () => {
    const schema = freshSchema();
    const [owner, ...workers] = await connectMany(url, schema, 5);
    const items = Array.from({ length: 60 }, (_, i): WorkItem => ({ runId: 'r1', attemptId: `s${i}/a1`, step: `s${i}`, capability: 'c', idempotencyKey: `r1/s${i}`, input: i, timeoutMs: null, enqueuedSeq: i + 2, claimedBy: null, leaseUntil: null, kind: 'command', skill: null, revision: 1, abandoned: false, outcome: null }));
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
    const added = await Promise.all(stores.flatMap((store, i) => [0, 1, 2].map((n) => store.addContextEntry({ kind: n === 2 ? 'insight' : 'objective', text: `${i}.${n}`, at: AT }))));
    const ids = added.map((entry) => entry.id).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(ids).toEqual([...[1, 2, 3, 4].map((n) => `ins-${n}`), ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `obj-${n}`)]);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    expect(await a.completeContextEntry({ id: 'obj-3', outcome: 'done', at: AT })).toMatchObject({ id: 'obj-3', status: 'complete', outcome: 'done', completedAt: AT });
    await expect(b.completeContextEntry({ id: 'obj-3', outcome: 'again', at: AT })).rejects.toBeInstanceOf(ConflictError);
    await expect(b.completeContextEntry({ id: 'ins-1', outcome: 'x', at: AT })).rejects.toBeInstanceOf(ConflictError);
    expect(await b.completeContextEntry({ id: 'obj-99', outcome: 'x', at: AT })).toBeUndefined();
    expect((await b.listContextEntries({ kind: 'objective' })).filter((e) => e.status === 'complete').map((e) => e.id)).toEqual(['obj-3']);
    await Promise.all(stores.map((store) => store.close()));
  });
});
