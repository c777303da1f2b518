import { describe, expect, it } from 'vitest';
import {
  expectDocumented,
  expectError,
  PLANS,
  settledRun,
  startServer,
  storeSnapshot,
  submit,
  waitFor,
  waitForEvent,
} from './harness.js';

const HANDOFF = {
  from: { agent: 'writer-agent', step: 'write' },
  to: { agent: 'reviewer-agent', step: 'review' },
  artifacts: ['write/report.txt'],
  reason: 'written; please review',
  instruction: 'Check the report.',
};

describe('POST /v1/runs/{id}/handoffs: the request_handoff protocol over HTTP', () => {
  it('needs operate, refuses a bad body with where and what, and changes nothing', async () => {
    const s = await startServer();
    const runId = await submit(s, PLANS.artifact);
    await settledRun(s, runId);
    const before = await storeSnapshot(s.baton);
    const path = `/v1/runs/${runId}/handoffs`;
    await expectError(await s.call('POST', path, { token: s.tokens.read, body: HANDOFF }), 403, 'forbidden');
    await expectError(await s.call('POST', path, { token: s.tokens.perform, body: HANDOFF }), 403, 'forbidden');
    const bad = await expectError(
      await s.call('POST', path, { token: s.tokens.operate, body: { ...HANDOFF, to: { agent: 'r' }, extra: 1 } }),
      400,
      'bad_input',
    );
    expect(bad.issues?.map((issue) => issue.path.join('.'))).toEqual(['body.to.step', 'body.extra']);
    await expectError(
      await s.call('POST', '/v1/runs/r-none/handoffs', { token: s.tokens.operate, body: HANDOFF }),
      404,
      'not_found',
    );
    expect(await storeSnapshot(s.baton)).toBe(before);
    await s.baton.close();
  });

  it('queues a handoff (200), answers a halt with 409 and its report, raised for a governor who may deny it', async () => {
    const s = await startServer();
    const runId = await submit(s, PLANS.artifact);
    await settledRun(s, runId);
    const path = `/v1/runs/${runId}/handoffs`;

    const halted = (await expectDocumented(
      s,
      'requestHandoff',
      await s.call('POST', path, { token: s.tokens.operate, body: { ...HANDOFF, artifacts: ['write/nope.txt'] } }),
      409,
    )) as { ok: boolean; failedAt: string; pending: string };
    expect(halted).toMatchObject({ ok: false, failedAt: 'artifacts', pending: 'handoff:1' });
    // The engine conducting the run records the halt at its next round.
    const view = await waitFor(
      async () =>
        (await (await s.call('GET', `/v1/runs/${runId}`)).json()) as { pending: { id: string; about?: unknown }[] },
      (run) => run.pending.some((entry) => entry.id === 'handoff:1'),
      'the halted handoff to be pending',
    );
    expect(view.pending.find((entry) => entry.id === 'handoff:1')).toMatchObject({
      about: {
        kind: 'handoff',
        failedAt: 'artifacts',
        by: 'token:operate',
        to: { agent: 'reviewer-agent', step: 'review' },
      },
    });

    // An operator cannot answer it; a governor's approval runs it again, and it halts again.
    await expectError(
      await s.call('POST', `/v1/runs/${runId}/approvals`, { token: s.tokens.operate, body: { target: 'handoff:1' } }),
      403,
      'forbidden',
    );
    const again = await expectError(
      await s.call('POST', `/v1/runs/${runId}/approvals`, { token: s.tokens.approve, body: { target: 'handoff:1' } }),
      409,
      'conflict',
    );
    expect(again.message).toMatch(/^the handoff halted again at artifacts: .*; handoff:1 stays pending/);
    const denied = await s.call('POST', `/v1/runs/${runId}/denials`, {
      token: s.tokens.approve,
      body: { target: 'handoff:1', comment: 'wrong artifact' },
    });
    expect(denied.status).toBe(202);

    const queued = (await expectDocumented(
      s,
      'requestHandoff',
      await s.call('POST', path, { token: s.tokens.operate, body: HANDOFF }),
      200,
    )) as { ok: boolean; handoffId: string };
    expect(queued).toMatchObject({ ok: true, handoffId: 'handoff-1' });
    await waitForEvent(s.baton, runId, (event) => event.type === 'handoff.queued');
    const events = await s.baton.events(runId);
    expect(events.filter((event) => event.type === 'handoff.queued').map((event) => event.data)).toEqual([
      expect.objectContaining({ id: 'handoff-1', by: 'token:operate', instruction: 'Check the report.' }),
    ]);
    expect((await s.baton.verify(runId)).ok).toBe(true);
    await s.baton.close();
  });
});
