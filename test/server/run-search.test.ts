import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectDocumented, expectError, PLANS, startServer, submit, type Server } from './harness.js';

/** `GET /v1/runs?q=`: the store's search through the API, with the status filter and paging. */
describe('GET /v1/runs?q=', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await submit(
      s,
      { ...PLANS.quick, name: 'Nightly report', objective: 'Refresh the 50%_off prices' },
      { runId: 'run-1' },
    );
    for (const n of [2, 3, 4]) await submit(s, PLANS.quick, { runId: `run-${n}` });
    await submit(s, { ...PLANS.quick, name: 'nightly backup' }, { runId: 'run-5' });
  });
  afterAll(() => s.baton.close());

  const list = async (query: string) =>
    (await expectDocumented(
      s,
      'listRuns',
      await s.call('GET', `/v1/runs?${query}`, { token: s.tokens.read }),
      200,
    )) as { runs: { runId: string }[]; next: string | null };

  it('finds runs by plan name or objective, ignoring case, and pages through what it found', async () => {
    expect((await list('q=NIGHTLY')).runs.map((run) => run.runId)).toEqual(['run-5', 'run-1']);
    expect((await list(`q=${encodeURIComponent('50%_OFF')}`)).runs.map((run) => run.runId)).toEqual(['run-1']);
    expect((await list('q=run-3')).runs.map((run) => run.runId)).toEqual(['run-3']);
    const first = await list('q=nightly&limit=1');
    expect(first.runs.map((run) => run.runId)).toEqual(['run-5']);
    const second = await list(`q=nightly&limit=1&cursor=${first.next}`);
    expect(second).toMatchObject({ runs: [{ runId: 'run-1' }], next: null });
    expect((await list('q=nightly&status=failed')).runs).toEqual([]);
  });

  it('takes % and _ as the characters they are, not as wildcards', async () => {
    expect((await list(`q=${encodeURIComponent('%')}`)).runs.map((run) => run.runId)).toEqual(['run-1']);
    expect((await list('q=run_')).runs).toEqual([]);
  });

  it('refuses a search longer than 200 characters with a 400 that says so', async () => {
    const error = await expectError(
      await s.call('GET', `/v1/runs?q=${'x'.repeat(201)}`, { token: s.tokens.read }),
      400,
      'bad_input',
    );
    expect(error.issues).toContainEqual(
      expect.objectContaining({ path: ['query', 'q'], message: expect.stringMatching(/at most 200 characters/) }),
    );
  });
});
