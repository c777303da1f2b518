import { describe, expect, it } from 'vitest';
import { createBaton, type Baton, type LedgerEvent } from '../../src/index.js';
import { replayLedger, verifyChain } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

async function open(): Promise<Baton> {
  return createBaton({ home: tempDir(), concurrency: 8 });
}

type Created = Extract<LedgerEvent, { type: 'run.created' }>;

async function createdOf(baton: Baton, runId: string): Promise<Created> {
  const [created] = await baton.events(runId, 0, 1);
  if (created?.type !== 'run.created') throw new Error(`run ${runId} has no run.created`);
  return created;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The child runs of a parent, found by their `run.created` link. */
async function childrenOf(baton: Baton, parentId: string): Promise<Created[]> {
  const runs = await baton.listRuns();
  const created = await Promise.all(runs.map((run) => createdOf(baton, run.runId)));
  return created.filter((event) => event.data.parent?.runId === parentId);
}

const child = {
  baton: 1,
  name: 'team',
  inputs: { word: { type: 'string' } },
  steps: { shout: { skill: 'shout', input: '{{ inputs.word }}' } },
};

describe('sub-plans: a step runs a plan as a child run on the same store', () => {
  it("runs the child to its end, chains its ledger to the parent's, and records the child's head in the parent", async () => {
    const baton = await open();
    baton.register({ id: 'shouter', skills: { shout: 1 }, run: (word: string) => word.toUpperCase() });
    const run = await baton.submit({
      baton: 1,
      name: 'parent',
      steps: { team: { plan: child, input: { word: 'hi' } } },
    });
    const result = await run.result();
    expect(result.status).toBe('succeeded');
    const output = result.outputs.team as { runId: string; headHash: string; status: string; outputs: unknown };
    expect(output).toMatchObject({ status: 'succeeded', outputs: { shout: 'HI' } });
    const childRecord = await baton.findRun(output.runId);
    expect(childRecord).toMatchObject({ status: 'succeeded', headHash: output.headHash });

    const created = await createdOf(baton, output.runId);
    const parentEvents = await baton.events(run.runId);
    const dispatched = parentEvents.find((event) => event.type === 'attempt.dispatched');
    expect(created.data.parent).toMatchObject({ runId: run.runId, step: 'team', attemptId: 'team/a1' });
    // The head the child recorded is an event of the parent's ledger at or after the dispatch.
    const linked = parentEvents.find((event) => event.hash === created.data.parent?.headHash);
    expect(linked?.seq).toBeGreaterThanOrEqual(dispatched?.seq ?? Infinity);
    expect(created.data.plan.name).toBe('team');

    for (const id of [run.runId, output.runId]) {
      const events = await baton.events(id);
      expect(verifyChain(events)).toMatchObject({ ok: true });
      expect(replayLedger(events)).toMatchObject({ ok: true });
      expect(await baton.verify(id)).toMatchObject({ ok: true });
    }
    await baton.close();
  });

  it('aborts the child run when its parent is aborted while the child runs', async () => {
    const baton = await open();
    let started = 0;
    baton.register({
      id: 'waiter',
      skills: { shout: 1 },
      run: (_word: string, { signal }) =>
        new Promise((resolve) => {
          started += 1;
          signal.addEventListener('abort', () => resolve('stopped'));
        }),
    });
    const run = await baton.submit({
      baton: 1,
      name: 'parent',
      steps: { team: { plan: child, input: { word: 'x' } } },
    });
    const [created] = await until(
      async () => (started > 0 ? await childrenOf(baton, run.runId) : undefined),
      'the child run to start its step',
    );
    const childId = (created as Created).runId;
    expect(await baton.findRun(childId)).toMatchObject({ status: 'running' });
    await baton.abort(run.runId, { reason: 'stop everything' });
    expect((await run.result()).status).toBe('aborted');
    const ended = await until(async () => {
      const record = await baton.findRun(childId);
      return record?.status === 'running' ? undefined : record;
    }, 'the child run to end');
    expect(ended.status).toBe('aborted');
    const abort = (await baton.events(childId)).find((event) => event.type === 'run.abort_requested');
    expect(abort?.data).toMatchObject({ reason: `the sub-plan step was cancelled in run ${run.runId}` });
    expect(await baton.verify(childId)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('gives the child at most what the parent had left: a child asking $5 of a $1 parent that spent $0.7 gets $0.3', async () => {
    const baton = await open();
    baton.register({
      id: 'spender',
      skills: { spend: 1 },
      costUsd: 0.7,
      run: (_input, context) => {
        context.reportCost(0.7);
        return 'spent';
      },
    });
    baton.register({
      id: 'cheap',
      skills: { shout: 1 },
      costUsd: 0.1,
      run: (word: string, context) => {
        context.reportCost(0.05);
        return word;
      },
    });
    const run = await baton.submit({
      baton: 1,
      name: 'parent',
      constraints: { budget_usd: 1 },
      steps: {
        spend: { skill: 'spend' },
        team: {
          after: ['spend'],
          plan: { ...child, constraints: { budget_usd: 5 } },
          input: { word: 'x' },
        },
      },
    });
    const result = await run.result();
    expect(result.status).toBe('succeeded');
    const [created] = await childrenOf(baton, run.runId);
    expect(created?.data.plan.constraints?.budget_usd).toBeCloseTo(0.3, 9);
    // The attempt reserved what was left, and the child's real spend settled it.
    const dispatch = (await baton.events(run.runId)).find(
      (event) => event.type === 'attempt.dispatched' && event.data.step === 'team',
    );
    expect(dispatch?.type === 'attempt.dispatched' && dispatch.data.reservedUsd).toBeCloseTo(0.3, 9);
    expect(result.budget.spentUsd).toBeCloseTo(0.75, 9);
    expect(result.budget.reservedUsd).toBe(0);
    await baton.close();
  });

  it('refuses a file reference in a plan given as data, and an invalid inline child, before anything is written', async () => {
    const baton = await open();
    await expect(baton.submit({ baton: 1, name: 'parent', steps: { team: { plan: './team.yaml' } } })).rejects.toThrow(
      /steps\.team\.plan: sub-plan "\.\/team\.yaml" names a file, and this plan was given as text or data/,
    );
    await expect(
      baton.submit({
        baton: 1,
        name: 'parent',
        steps: { team: { plan: { ...child, steps: { shout: { skill: 'nope' } } } } },
      }),
    ).rejects.toThrow(/steps\.team\.plan\.steps\.shout\.skill: no capability offers skill "nope"/);
    expect(await baton.listRuns()).toEqual([]);
    await baton.close();
  });

  it('refuses a child whose inputs do not fit: the step fails with the reason, the parent is not left waiting', async () => {
    const baton = await open();
    baton.register({ id: 'shouter', skills: { shout: 1 }, run: (word: string) => word.toUpperCase() });
    const run = await baton.submit({ baton: 1, name: 'parent', steps: { team: { plan: child, input: { wrd: 'x' } } } });
    const result = await run.result();
    expect(result.status).toBe('failed');
    expect(result.failure).toMatch(/^step "team" failed: sub-plan "team" was refused: invalid input/);
    expect(await childrenOf(baton, run.runId)).toEqual([]);
    await baton.close();
  });

  it('aborts the child run when the sub-plan step is cancelled, and the step ends cancelled', async () => {
    const baton = await open();
    let started = 0;
    baton.register({
      id: 'waiter',
      skills: { shout: 1 },
      run: (_word: string, { signal }) =>
        new Promise((resolve) => {
          started += 1;
          signal.addEventListener('abort', () => resolve('stopped'));
        }),
    });
    const run = await baton.submit({
      baton: 1,
      name: 'parent',
      steps: { team: { plan: child, input: { word: 'x' }, on_failure: 'continue' } },
    });
    const [created] = await until(
      async () => (started > 0 ? await childrenOf(baton, run.runId) : undefined),
      'the child run to start its step',
    );
    await baton.cancel(run.runId, 'team', { reason: 'not needed' });
    const result = await run.result();
    expect(result.status).toBe('succeeded');
    expect((await baton.getRun(run.runId)).state.steps.team?.status).toBe('cancelled');
    const childId = (created as Created).runId;
    const ended = await until(async () => {
      const record = await baton.findRun(childId);
      return record?.status === 'running' ? undefined : record;
    }, 'the child run to end');
    expect(ended.status).toBe('aborted');
    expect((await baton.subPlanRuns(run.runId)).map((sub) => [sub.step, sub.runId, sub.status])).toEqual([
      ['team', childId, 'aborted'],
    ]);
    await baton.close();
  });

  it('pauses the running child with its parent, and lifts both pauses together', async () => {
    const baton = await open();
    let release: (() => void) | undefined;
    let runs = 0;
    baton.register({
      id: 'gate',
      skills: { shout: 1 },
      run: (word: string) => {
        runs += 1;
        return runs === 1 ? new Promise<string>((resolve) => (release = () => resolve(word))) : word;
      },
    });
    const twoSteps = {
      ...child,
      steps: { shout: child.steps.shout, again: { skill: 'shout', after: ['shout'], input: 'y' } },
    };
    const run = await baton.submit({
      baton: 1,
      name: 'parent',
      steps: { team: { plan: twoSteps, input: { word: 'x' } } },
    });
    const [created] = await until(
      async () => (release !== undefined ? await childrenOf(baton, run.runId) : undefined),
      'the child run to start its first step',
    );
    const childId = (created as Created).runId;
    await baton.pause(run.runId, { reason: 'lunch' });
    // The child is conducted here: its pause is handed to its driver, which records it at its next round.
    const paused = await until(
      async () => (await baton.events(childId)).find((event) => event.type === 'run.paused'),
      "the child's pause",
    );
    expect(paused?.data).toMatchObject({ reason: `its parent run ${run.runId} was paused: lunch` });
    release?.();
    // The child's first step finishes; its second is held by the pause.
    await until(
      async () => ((await baton.getRun(childId)).state.steps.shout?.status === 'succeeded' ? true : undefined),
      'the first step',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await baton.getRun(childId)).state.steps.again?.status).not.toBe('succeeded');
    await baton.unpause(run.runId);
    expect((await run.result()).status).toBe('succeeded');
    expect(await baton.findRun(childId)).toMatchObject({ status: 'succeeded' });
    expect((await baton.events(childId)).some((event) => event.type === 'run.unpaused')).toBe(true);
    await baton.close();
  });
});
