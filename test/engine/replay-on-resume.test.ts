import { describe, expect, it } from 'vitest';
import { IntegrityError, type Plan } from '../../src/core/index.js';
import { createBaton, type Baton } from '../../src/engine/index.js';
import { replayLedger } from '../../src/ledger/index.js';
import { appendForeignDecision } from '../support/diverge.js';
import { tempDir } from '../support/temp.js';

/** Waits for the signal `go`, then `after` runs. */
const SIGNAL_PLAN: Plan = {
  baton: 1,
  name: 'signal',
  steps: { go: { await: { signal: 'go' } }, after: { skill: 'work', after: ['go'], input: 'x' } },
};

async function waitingRun(): Promise<{ baton: Baton; runId: string }> {
  const baton = await createBaton({ home: tempDir(), principal: 'test@host' });
  baton.register({ id: 'worker', skills: { work: 1 }, run: (input: unknown) => input });
  const run = await baton.submit(SIGNAL_PLAN);
  expect((await run.result()).status).toBe('waiting');
  return { baton, runId: run.runId };
}

describe('replay on resume', () => {
  it('refuses to resume a run whose ledger this conductor would have decided differently, naming the event, and writes nothing', async () => {
    const { baton, runId } = await waitingRun();
    const seq = await appendForeignDecision(baton.store, runId, 'after', Date.now());
    const before = await baton.events(runId);

    const refusal = baton.resume(runId);
    await expect(refusal).rejects.toThrow(IntegrityError);
    await expect(refusal).rejects.toThrow(
      `at seq ${seq} its ledger records step.skipped after, where the conductor now decides no further decision`,
    );
    expect(await baton.events(runId)).toEqual(before);
    expect((await baton.store.getRun(runId))?.headSeq).toBe(seq);
    // The same stop for a submit that names the run (it resumes an existing run).
    await expect(baton.submit(SIGNAL_PLAN, { runId })).rejects.toThrow(IntegrityError);
    expect(await baton.events(runId)).toEqual(before);
    await baton.close();
  });

  it('resumes when the divergence is accepted, recording who, why and where before anything else, and the acceptance stands on later resumes', async () => {
    const { baton, runId } = await waitingRun();
    const seq = await appendForeignDecision(baton.store, runId, 'after', Date.now());

    const resumed = await baton.resume(runId, { by: 'alice@vm', acceptDivergence: { reason: 'reviewed the upgrade' } });
    expect((await resumed.result()).status).toBe('waiting');
    const events = await baton.events(runId);
    const next = events.filter((event) => event.seq > seq).map((event) => event.type);
    expect(next.slice(0, 2)).toEqual(['run.divergence_accepted', 'run.resumed']);
    expect(events.find((event) => event.type === 'run.divergence_accepted')?.data).toEqual({
      seq,
      recorded: 'step.skipped after',
      derived: 'no further decision',
      by: 'alice@vm',
      reason: 'reviewed the upgrade',
    });

    // Accepted once: a later resume replays what came after the acceptance and goes on.
    await baton.signal(runId, 'go');
    const again = await baton.resume(runId);
    const result = await again.result();
    // The run goes on from its ledger as recorded: the step the older conductor skipped stays skipped.
    expect(result).toMatchObject({ status: 'succeeded', succeeded: 1, skipped: 1 });
    const all = await baton.events(runId);
    expect(all.filter((event) => event.type === 'run.divergence_accepted')).toHaveLength(1);
    expect(replayLedger(all)).toMatchObject({ ok: true });
    expect(await baton.verify(runId)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('a run that replays as recorded resumes as before, and an acceptance it does not need records nothing', async () => {
    const { baton, runId } = await waitingRun();
    await baton.signal(runId, 'go');
    const resumed = await baton.resume(runId, { acceptDivergence: { reason: 'not needed' } });
    expect((await resumed.result()).status).toBe('succeeded');
    const types = (await baton.events(runId)).map((event) => event.type);
    expect(types).toContain('run.resumed');
    expect(types).not.toContain('run.divergence_accepted');
    await baton.close();
  });

  it('an acceptance without a reason is bad input, and nothing is written', async () => {
    const { baton, runId } = await waitingRun();
    await appendForeignDecision(baton.store, runId, 'after', Date.now());
    const before = await baton.events(runId);
    await expect(baton.resume(runId, { acceptDivergence: { reason: '  ' } })).rejects.toMatchObject({
      code: 'bad_input',
    });
    expect(await baton.events(runId)).toEqual(before);
    await baton.close();
  });

  it('an engine looking for runs to conduct leaves a divergent run alone and says why', async () => {
    const { baton, runId } = await waitingRun();
    const seq = await appendForeignDecision(baton.store, runId, 'after', Date.now());
    const before = await baton.events(runId);
    const logs: unknown[] = [];
    const adopter = await baton.conductUnconducted({ log: (event) => logs.push(event) });
    await adopter.stop();
    expect(logs).toContainEqual({
      type: 'error',
      runId,
      message: expect.stringContaining(`at seq ${seq} its ledger records step.skipped after`) as string,
    });
    expect(adopter.runs).toEqual([]);
    expect(await baton.events(runId)).toEqual(before);
    await baton.close();
  });
});
