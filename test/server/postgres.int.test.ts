import { expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { describePostgres, freshSchema } from '../support/postgres.js';
import { PLANS, settledRun, startServer, submit, waitFor } from './harness.js';
import { readSse } from './sse-reader.js';

describePostgres('the HTTP API on PostgreSQL', (url) => {
  it("streams every run's events and resumes after a disconnect with Last-Event-ID: each event once, in each run's order", async () => {
    const s = await startServer({}, await PostgresStore.connect(url, { schema: freshSchema() }));
    const a = await submit(s, PLANS.gated);
    const b = await submit(s, PLANS.human);
    await settledRun(s, a);
    await settledRun(s, b);
    const first = await readSse(await s.call('GET', '/v1/events', { token: s.tokens.read }), 4);
    for (const message of first) expect(message.id).toMatch(/^\d+:\d+$/);
    expect(
      (await s.call('POST', `/v1/runs/${a}/approvals`, { token: s.tokens.approve, body: { target: 'ship' } })).status,
    ).toBe(202);
    expect(
      (await s.call('POST', `/v1/runs/${b}/results`, { token: s.tokens.approve, body: { step: 'review', output: 1 } }))
        .status,
    ).toBe(202);
    for (const runId of [a, b])
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.status === 'succeeded',
        `${runId} to succeed`,
      );
    const total = (await s.baton.events(a)).length + (await s.baton.events(b)).length;
    const rest = await readSse(
      await s.call('GET', '/v1/events', { token: s.tokens.read, headers: { 'Last-Event-ID': first.at(-1)!.id! } }),
      total - first.length,
    );
    const all = [...first, ...rest].map((m) => JSON.parse(m.data) as LedgerEvent);
    expect(new Set(all.map((e) => `${e.runId}#${e.seq}`)).size).toBe(total);
    for (const runId of [a, b]) expect(all.filter((e) => e.runId === runId)).toEqual(await s.baton.events(runId));
    // Tokens live in the same database: the one each request came with is in the ledger.
    expect((await s.baton.events(a)).find((e) => e.type === 'decision.made')?.data).toMatchObject({
      by: 'token:approve',
    });
    await s.baton.close();
  });
});
