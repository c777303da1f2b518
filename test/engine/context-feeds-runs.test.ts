import { describe, expect, it } from 'vitest';
import { PlanError, type LedgerEvent, type Plan } from '../../src/core/index.js';
import { createBaton, hashContext } from '../../src/engine/index.js';
import { chainEvents, EMPTY_HEAD, hashPlan, replayLedger } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

/** Echoes the context it was given. */
const READS: Plan = {
  baton: 1,
  name: 'reads-context',
  steps: {
    plan: {
      skill: 'work',
      input: { goal: '{{ context.objectives[0].text }}', tasks: '{{ context.tasks.map(t, t.id) }}' },
    },
  },
};

/** Records an insight and completes obj-1 in `learn`, then waits for the signal `go`. */
const RECORDS: Plan = {
  baton: 1,
  name: 'records',
  steps: {
    learn: {
      skill: 'work',
      input: { finding: 'caching saves 4 minutes' },
      records: {
        insight: '{{ steps.learn.output.finding }}',
        completes: 'obj-1',
        outcome: 'done in {{ inputs.where }}',
      },
    },
    go: { await: { signal: 'go' }, after: ['learn'] },
  },
  inputs: { where: { type: 'string', default: 'ci' } },
};

async function open(home = tempDir()) {
  const baton = await createBaton({ home, principal: 'test@host' });
  baton.register({ id: 'echo', skills: { work: 1 }, run: (input: unknown) => input });
  return baton;
}

function created(events: LedgerEvent[]) {
  const [first] = events;
  if (first?.type !== 'run.created') throw new Error('no run.created');
  return first.data;
}

describe('context feeds runs', () => {
  it('fills a step input from the workspace context, records the snapshot and its hash in run.created, and replays and verifies', async () => {
    const baton = await open();
    await baton.addObjective('Cut the nightly build below 10 minutes');
    await baton.addObjective('Document the plan language');
    await baton.completeObjective('obj-2', 'written');
    await baton.addTask('Ask ops for a bigger runner');
    await baton.addInsight('Caching saves 4 minutes');

    const run = await baton.submit(READS);
    expect(await run.result()).toMatchObject({ status: 'succeeded' });
    expect((await baton.getRun(run.runId)).state.steps.plan?.output).toEqual({
      goal: 'Cut the nightly build below 10 minutes',
      tasks: ['task-1'],
    });

    const events = await baton.events(run.runId);
    const data = created(events);
    expect(data.context).toEqual({
      objectives: [{ id: 'obj-1', text: 'Cut the nightly build below 10 minutes', runId: null }],
      tasks: [{ id: 'task-1', text: 'Ask ops for a bigger runner', runId: null }],
      insights: [{ id: 'ins-1', text: 'Caching saves 4 minutes', runId: null }],
      decisions: [],
    });
    expect(data.contextHash).toMatch(/^[0-9a-f]{64}$/);
    expect(data.contextHash).toBe(hashContext(data.context as NonNullable<typeof data.context>));

    // What the workspace holds later changes nothing the run read.
    await baton.addObjective('A newer objective');
    expect(replayLedger(events)).toMatchObject({ ok: true });
    expect(await baton.verify(run.runId)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('gives a plan that reads context empty lists in a workspace with none, and takes no snapshot for a plan that does not read it', async () => {
    const baton = await open();
    const empty = await baton.submit({
      ...READS,
      steps: {
        plan: { skill: 'work', input: { objectives: '{{ context.objectives }}', n: '{{ size(context.insights) }}' } },
      },
    });
    expect(await empty.result()).toMatchObject({ status: 'succeeded' });
    expect((await baton.getRun(empty.runId)).state.steps.plan?.output).toEqual({ objectives: [], n: 0 });
    expect(created(await baton.events(empty.runId)).context).toEqual({
      objectives: [],
      tasks: [],
      insights: [],
      decisions: [],
    });

    await baton.addObjective('Ship 1.0');
    const plain = await baton.submit({ ...READS, steps: { plan: { skill: 'work', input: 'no context here' } } });
    await plain.result();
    const data = created(await baton.events(plain.runId));
    expect('context' in data).toBe(false);
    expect('contextHash' in data).toBe(false);
    await baton.close();
  });

  it('records the insight and completes the objective when the step succeeds, once, even across a resume in another process', async () => {
    const home = tempDir();
    const first = await open(home);
    await first.addObjective('Cut the nightly build below 10 minutes');
    const run = await first.submit(RECORDS);
    expect(await run.result()).toMatchObject({ status: 'waiting' });
    const entries = async (baton: typeof first) =>
      (await baton.store.listContextEntries()).map((e) => [e.id, e.status, e.text, e.runId, e.outcome]);
    const expected = [
      ['obj-1', 'complete', 'Cut the nightly build below 10 minutes', null, 'done in ci'],
      ['ins-1', 'recorded', 'caching saves 4 minutes', run.runId, null],
    ];
    expect(await entries(first)).toEqual(expected);
    const recorded = (await first.events(run.runId)).filter((e) => e.type === 'context.recorded');
    expect(recorded.map((e) => e.data)).toEqual([
      {
        step: 'learn',
        insight: 'caching saves 4 minutes',
        completes: { id: 'obj-1', outcome: 'done in ci' },
      },
    ]);
    await first.close();

    // Another process resumes the run: it replays the ledger and never decides the record again.
    const second = await open(home);
    const resumed = await second.resume(run.runId);
    expect(await resumed.result()).toMatchObject({ status: 'waiting' });
    await second.signal(run.runId, 'go');
    const again = await second.resume(run.runId);
    expect(await again.result()).toMatchObject({ status: 'succeeded' });
    expect(await entries(second)).toEqual(expected);
    const events = await second.events(run.runId);
    expect(events.filter((e) => e.type === 'context.recorded')).toHaveLength(1);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    expect(await second.verify(run.runId)).toMatchObject({ ok: true });
    await second.close();
  });

  it('refuses, writing nothing, a plan that would complete an objective the workspace does not have open', async () => {
    const baton = await open();
    const refusal = baton.submit(RECORDS);
    await expect(refusal).rejects.toThrow(PlanError);
    await expect(refusal).rejects.toThrow(
      'steps.learn.records.completes: the workspace has no objective or task "obj-1" (baton context lists them)',
    );
    await baton.addObjective('Ship');
    await baton.completeObjective('obj-1', 'shipped');
    await expect(baton.submit(RECORDS)).rejects.toThrow(/objective "obj-1" is already complete \(since .+\)/);
    expect(await baton.listRuns()).toEqual([]);
    await baton.close();
  });

  it('fails verification of a run whose recorded context hash is not the hash of its snapshot', async () => {
    const baton = await open();
    const plan = baton.validate(READS);
    const context = {
      objectives: [{ id: 'obj-1', text: 'Ship', runId: null }],
      tasks: [],
      insights: [],
      decisions: [],
    };
    const wrong = hashContext({ ...context, objectives: [] });
    const events = chainEvents(
      'forged',
      EMPTY_HEAD,
      [
        {
          type: 'run.created',
          data: { plan, planHash: hashPlan(plan), inputs: {}, registry: {}, context, contextHash: wrong },
        },
      ],
      '2026-03-01T12:00:00.000Z',
    );
    await baton.store.append({
      runId: 'forged',
      expectedSeq: 0,
      events,
      status: 'running',
      create: { name: plan.name, planHash: hashPlan(plan) },
    });
    expect(await baton.verify('forged')).toMatchObject({
      ok: false,
      seq: 1,
      reason: `run.created records a context snapshot whose sha256 is ${hashContext(context)}, not the ${wrong} recorded with it`,
    });
    await baton.close();
  });
});
