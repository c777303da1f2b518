import { describe, expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/index.js';
import { pipelineState, replayLedger } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

/** `make` leaves an artifact in `build`; `use` is in `ship`, behind a gate a person approves: the run waits there. */
async function gatedRun(): Promise<{ baton: Baton; runId: string }> {
  const baton = await createBaton({ home: tempDir(), principal: 'library:test' });
  baton.register({
    id: 'maker',
    skills: { make: 1 },
    run: async (_input: unknown, context) => {
      await context.writeArtifact('out.txt', 'made');
      return 'ok';
    },
  });
  const run = await baton.submit(
    {
      baton: 1,
      name: 'gated',
      phases: ['build', { id: 'ship', gate: { approval: true } }],
      steps: {
        make: { skill: 'make', phase: 'build' },
        use: { skill: 'make', phase: 'ship', after: ['make'] },
      },
    },
    { runId: 'h1' },
  );
  expect((await run.result()).status).toBe('waiting');
  return { baton, runId: run.runId };
}

const REQUEST = {
  from: { agent: 'maker-agent', step: 'make' },
  to: { agent: 'user-agent', step: 'use' },
  artifacts: ['make/out.txt'],
  reason: 'made it',
  instruction: 'Use what was made.',
};

describe('a halted handoff is a pending decision for a governor', () => {
  it('records the halt with the request and raises handoff:halted-1, shown with what it is about', async () => {
    const { baton, runId } = await gatedRun();
    const before = (await baton.events(runId)).length;
    const report = await baton.requestHandoff(runId, REQUEST, { by: 'agent:orchestrator' });
    expect(report).toMatchObject({ ok: false, failedAt: 'transition', decision: 'handoff:halted-1' });
    const added = (await baton.events(runId)).slice(before);
    expect(added).toEqual([
      expect.objectContaining({
        type: 'handoff.halted',
        data: {
          id: 'halted-1',
          failedAt: 'transition',
          error: report.error,
          from: REQUEST.from,
          to: REQUEST.to,
          artifacts: ['make/out.txt'],
          reason: 'made it',
          instruction: 'Use what was made.',
          by: 'agent:orchestrator',
        },
      }),
    ]);
    const { view } = await baton.runStatus(runId);
    const pending = view.pending.find((decision) => decision.id === 'handoff:halted-1');
    expect(pending).toMatchObject({
      kind: 'handoff',
      step: null,
      reason: expect.stringMatching(
        /^the handoff from maker-agent to user-agent for step "use" halted at transition: cannot hand off/,
      ),
      answers: ['baton approve h1 handoff:halted-1', 'baton deny h1 handoff:halted-1'],
      about: {
        kind: 'handoff',
        id: 'halted-1',
        failedAt: 'transition',
        to: REQUEST.to,
        instruction: 'Use what was made.',
        by: 'agent:orchestrator',
      },
    });
    expect(replayLedger(await baton.events(runId))).toMatchObject({ ok: true });
    await baton.close();
  });

  it('approved, runs the handoff again as its requester asked for it; it queues once the gate lets it', async () => {
    const { baton, runId } = await gatedRun();
    await baton.requestHandoff(runId, REQUEST, { by: 'agent:orchestrator' });
    await baton.approve(runId, 'ship', { by: 'alice' });
    const before = (await baton.events(runId)).length;
    await baton.approve(runId, 'handoff:halted-1', { by: 'gov', comment: 'the gate is open now' });
    const added = (await baton.events(runId)).slice(before);
    expect(added.map((event) => [event.type, (event.data as { by?: string }).by])).toEqual([
      ['decision.made', 'gov'],
      ['agent.status_reported', 'agent:orchestrator'],
      ['agent.routed', 'agent:orchestrator'],
      ['handoff.queued', 'agent:orchestrator'],
    ]);
    expect(added[0]?.data).toMatchObject({
      id: 'handoff:halted-1',
      verdict: 'approved',
      comment: 'the gate is open now',
    });
    expect(added[3]?.data).toMatchObject({ id: 'handoff-1', retryOf: 'halted-1', instruction: 'Use what was made.' });
    const events = await baton.events(runId);
    expect(pipelineState(events).pending.map((decision) => decision.id)).toEqual([]);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    expect((await baton.verify(runId)).ok).toBe(true);
    await baton.close();
  });

  it('approved while it still cannot go through, halts again as a new decision that names the one retried', async () => {
    const { baton, runId } = await gatedRun();
    await baton.requestHandoff(runId, REQUEST, { by: 'agent:orchestrator' });
    await baton.approve(runId, 'handoff:halted-1', { by: 'gov' });
    const events = await baton.events(runId);
    expect(events.slice(-2).map((event) => [event.type, event.data])).toEqual([
      ['decision.made', expect.objectContaining({ id: 'handoff:halted-1', verdict: 'approved', by: 'gov' })],
      ['handoff.halted', expect.objectContaining({ id: 'halted-2', retryOf: 'halted-1', by: 'agent:orchestrator' })],
    ]);
    expect(pipelineState(events).pending.map((decision) => decision.id)).toEqual(['gate:ship', 'handoff:halted-2']);
    await baton.close();
  });

  it('denied, closes the handoff and nothing else: the run goes on', async () => {
    const { baton, runId } = await gatedRun();
    await baton.requestHandoff(runId, { ...REQUEST, artifacts: ['make/nope.txt'] }, { by: 'agent:orchestrator' });
    await baton.deny(runId, 'handoff:halted-1', { by: 'gov', comment: 'wrong artifact' });
    const events = await baton.events(runId);
    expect(events.at(-1)).toMatchObject({
      type: 'decision.made',
      data: { id: 'handoff:halted-1', verdict: 'denied', by: 'gov', comment: 'wrong artifact' },
    });
    await baton.approve(runId, 'ship', { by: 'alice' });
    expect((await (await baton.resume(runId)).result()).status).toBe('succeeded');
    const after = await baton.events(runId);
    expect(after.some((event) => event.type === 'run.denied')).toBe(false);
    expect(replayLedger(after)).toMatchObject({ ok: true });
    await expect(baton.approve(runId, 'handoff:halted-1', { by: 'gov' })).rejects.toThrow('has already succeeded');
    await baton.close();
  });

  it('asked again and halted again, only the latest halt of the same work waits for a governor', async () => {
    const { baton, runId } = await gatedRun();
    await baton.requestHandoff(runId, REQUEST, { by: 'agent:orchestrator' });
    await baton.requestHandoff(runId, REQUEST, { by: 'agent:orchestrator' });
    const events = await baton.events(runId);
    expect(pipelineState(events).pending.map((decision) => decision.id)).toEqual(['gate:ship', 'handoff:halted-2']);
    await expect(baton.approve(runId, 'handoff:halted-1', { by: 'gov' })).rejects.toThrow(
      'a pending decision for "handoff:halted-1" in run "h1" (pending: gate:ship, handoff:halted-2) not found',
    );
    await baton.close();
  });

  it('a halt on a run that has ended raises nothing', async () => {
    const { baton, runId } = await gatedRun();
    await baton.abort(runId, { reason: 'stop' });
    await (await baton.resume(runId)).result();
    const before = (await baton.events(runId)).length;
    expect(await baton.requestHandoff(runId, REQUEST)).toMatchObject({
      ok: false,
      failedAt: 'transition',
      decision: null,
    });
    expect(await baton.events(runId)).toHaveLength(before);
    await baton.close();
  });
});
