import { afterEach, expect, it } from 'vitest';
import type { StoreNotice } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { describePostgres, freshSchema } from '../support/postgres.js';
import { runWithWork, succeeded, until } from './conformance/fixtures.js';

/**
 * An `outcomes` notice carries the reports it announces when they fit in a PostgreSQL notice,
 * so the conductor records them without reading the queue; larger ones stay on the rows only.
 */
describePostgres('PostgreSQL outcome and hand-over notices', (url) => {
  const opened: PostgresStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  /** Two connections to one fresh schema (a worker's and a conductor's), closed after the test. */
  async function twoConnections(): Promise<[PostgresStore, PostgresStore]> {
    const schema = freshSchema();
    const stores = await Promise.all([PostgresStore.connect(url, { schema }), PostgresStore.connect(url, { schema })]);
    opened.push(...stores);
    return stores;
  }

  it('carry the reports of one batch, one notice per run, exactly as stored', async () => {
    const [worker, conductor] = await twoConnections();
    const notices: StoreNotice[] = [];
    const unsubscribe = await conductor.subscribe((notice) => notice.topic === 'outcomes' && notices.push(notice));
    await runWithWork(worker, 'r1', [{ id: 'a/a1' }, { id: 'b/a1' }]);
    await worker.claimWork({ workerId: 'w1', limit: 2, leaseUntil: 10_000 });
    const reports = [
      { runId: 'r1', attemptId: 'a/a1', outcome: succeeded('a/a1') },
      { runId: 'r1', attemptId: 'b/a1', outcome: succeeded('b/a1') },
    ];
    await worker.reportWork('w1', reports, 7);
    await until(() => notices.length > 0, 'an outcomes notice');
    await new Promise((resolve) => setTimeout(resolve, 50)); // a second notice would have arrived by now
    const ran = { capability: 'c', skill: null };
    // One notice, in no particular order within it.
    const byAttempt = (a: { attemptId: string }, b: { attemptId: string }) => a.attemptId.localeCompare(b.attemptId);
    expect(notices.map((notice) => ({ ...notice, reports: notice.reports?.sort(byAttempt) }))).toEqual([
      { topic: 'outcomes', runId: 'r1', reports, offer: { workerId: 'w1', free: 7, ran: [ran, ran] } },
    ]);
    const stored = await conductor.reportedWork('r1');
    expect(stored.map(({ attemptId, outcome }) => ({ runId: 'r1', attemptId, outcome }))).toEqual(reports);
    await unsubscribe();
  });

  it('announce reports too large for a notice without them, and the rows still hold them', async () => {
    const [worker, conductor] = await twoConnections();
    const notices: StoreNotice[] = [];
    const unsubscribe = await conductor.subscribe((notice) => notice.topic === 'outcomes' && notices.push(notice));
    await runWithWork(worker, 'r1', [{ id: 'a/a1' }]);
    await worker.claimWork({ workerId: 'w1', limit: 1, leaseUntil: 10_000 });
    // Multi-byte characters: the limit is PostgreSQL's, in bytes (7,000 characters, 14,000 bytes).
    const outcome = { ...succeeded('a/a1'), data: { attemptId: 'a/a1', output: 'é'.repeat(7_000), durationMs: 2 } };
    expect(await worker.reportWork('w1', [{ runId: 'r1', attemptId: 'a/a1', outcome }])).toEqual([
      { runId: 'r1', attemptId: 'a/a1' },
    ]);
    await until(() => notices.length > 0, 'an outcomes notice');
    expect(notices).toEqual([{ topic: 'outcomes', runId: 'r1' }]);
    expect((await conductor.reportedWork('r1')).map((item) => item.outcome)).toEqual([outcome]);
    await unsubscribe();
  });

  it('announce an item queued already claimed for a worker with the item, to that worker; a large one bare', async () => {
    const [conductor, worker] = await twoConnections();
    const notices: StoreNotice[] = [];
    const unsubscribe = await worker.subscribe((notice) => notice.topic !== 'ledger' && notices.push(notice));
    const handed = { claimedBy: 'w1', leaseUntil: 10_000 };
    await runWithWork(conductor, 'r1', [
      { id: 'a/a1', more: handed },
      { id: 'b/a1', more: { ...handed, input: 'é'.repeat(5_000) } },
      { id: 'c/a1' },
    ]);
    await until(() => notices.length >= 3, 'three notices');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [queued] = (await worker.listWork('r1')).filter((item) => item.attemptId === 'a/a1');
    expect(queued?.claimedBy).toBe('w1');
    expect(notices).toHaveLength(3);
    expect(notices).toEqual(
      expect.arrayContaining([
        { topic: 'handed', runId: 'r1', item: queued },
        { topic: 'handed', runId: 'r1' },
        { topic: 'work', runId: 'r1' },
      ]),
    );
    // Nobody else can claim what was handed over.
    expect((await worker.claimWork({ workerId: 'w2', limit: 5, leaseUntil: 10_000 })).map((i) => i.attemptId)).toEqual([
      'c/a1',
    ]);
    await unsubscribe();
  });
});
