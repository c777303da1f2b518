import { describe, expect, it } from 'vitest';
import { createBaton, NonRetryableError, type Plan, type Replanner, type ReplanRequest } from '../../src/index.js';
import { replayLedger, verifyChain } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

/** `fetch` always fails for good and escalates; the planner's revision goes around it through `mirror`. */
function planWith(approve?: 'person' | 'auto'): Plan {
  return {
    baton: 1,
    name: 'replanned',
    replan: { on: 'escalation', max: 2, ...(approve && { approve }) },
    steps: {
      prepare: { skill: 'prepare' },
      fetch: { skill: 'fetch', after: ['prepare'], on_failure: 'escalate' },
      report: { skill: 'report', after: ['fetch'], input: '{{ steps.fetch.output }}' },
    },
  };
}

const REVISED = {
  baton: 1,
  name: 'replanned',
  steps: {
    prepare: { skill: 'prepare' },
    fetch: { skill: 'mirror', after: ['prepare'] },
    report: { skill: 'report', after: ['fetch'], input: '{{ steps.fetch.output }}' },
  },
};

/** What the run waits on, folded from its verified ledger. */
async function pendingOf(baton: Awaited<ReturnType<typeof createBaton>>, runId: string) {
  return [...(await baton.getRun(runId)).state.pending.values()];
}

async function open(replanner: Replanner) {
  const baton = await createBaton({ home: tempDir(), replanner, principal: 'tester' });
  let prepared = 0;
  baton.register({ id: 'prep', skills: { prepare: 1 }, run: () => ++prepared });
  baton.register({ id: 'origin', skills: { fetch: 1 }, run: () => Promise.reject(new NonRetryableError('gone')) });
  baton.register({ id: 'mirror', skills: { mirror: 1 }, run: () => 'from the mirror' });
  baton.register({ id: 'reporter', skills: { report: 1 }, run: (text: string) => `report: ${text}` });
  return { baton, prepared: () => prepared };
}

describe('replanning after an escalation, on the embedded store', () => {
  it('the planner proposes, a person approves, and the run goes on under the revision without redoing what succeeded', async () => {
    const asked: ReplanRequest[] = [];
    const { baton, prepared } = await open(async (request) => {
      asked.push(request);
      return { plan: REVISED as Plan, by: 'planner', outline: 'fetch -> mirror' };
    });
    const run = await baton.submit(planWith());
    expect((await run.result()).status).toBe('waiting');
    expect(asked).toMatchObject([{ request: 1, step: 'fetch', reason: expect.stringContaining('gone') }]);
    expect(asked[0]?.steps.find((s) => s.step === 'prepare')).toEqual({
      step: 'prepare',
      status: 'succeeded',
      output: 1,
    });
    const waiting = await pendingOf(baton, run.runId);
    expect(waiting.map((p) => [p.id, p.kind])).toEqual([
      ['escalation:fetch', 'escalation'],
      ['plan:2', 'plan'],
    ]);

    await baton.approve(run.runId, 'plan:2', { comment: 'use the mirror' });
    const result = await (await baton.resume(run.runId)).result();
    expect(result).toMatchObject({ status: 'succeeded', outputs: { report: 'report: from the mirror' } });
    expect(prepared()).toBe(1); // kept: unchanged by the revision

    const events = await baton.events(run.runId);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['replan.requested', 'plan.proposed', 'decision.made', 'plan.revised']),
    );
    const revised = events.find((e) => e.type === 'plan.revised');
    expect(revised?.data).toMatchObject({ revision: 2, by: 'tester' });
    expect(verifyChain(events)).toMatchObject({ ok: true });
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('denied, the escalation still waits; under approve: auto the revision is adopted at once', async () => {
    const planner: Replanner = async () => ({ plan: REVISED as Plan, by: 'planner' });
    const first = await open(planner);
    const run = await first.baton.submit(planWith());
    await run.result();
    await first.baton.deny(run.runId, 'plan:2', { comment: 'no' });
    const state = await pendingOf(first.baton, run.runId);
    expect(state.map((p) => p.id)).toEqual(['escalation:fetch']);
    await first.baton.close();

    const second = await open(planner);
    const auto = await second.baton.submit(planWith('auto'));
    const result = await auto.result();
    expect(result).toMatchObject({ status: 'succeeded', outputs: { report: 'report: from the mirror' } });
    const revised = (await second.baton.events(auto.runId)).find((e) => e.type === 'plan.revised');
    expect(revised?.data).toMatchObject({ revision: 2, by: 'planner' });
    await second.baton.close();
  });

  it('a revision that does not check, declares commands, names a role the run did not pin, or a planner that fails is recorded as replan.failed; the escalation waits', async () => {
    const answers = [
      { plan: { ...REVISED, steps: { x: { skill: 'nothing-offers-this' } } } as Plan, by: 'planner' },
      {
        plan: {
          ...REVISED,
          capabilities: { sh: { kind: 'command', command: ['node', '-v'], skills: { mirror: 1 } } },
        } as Plan,
        by: 'planner',
      },
      // A gate that counts members of a role the run never pinned: nobody could ever open it.
      {
        plan: {
          ...REVISED,
          phases: ['main', { id: 'after', gate: { all: [{ approval: { count: 1, role: 'auditors' } }] } }],
          steps: {
            prepare: { ...REVISED.steps.prepare, phase: 'main' },
            fetch: { ...REVISED.steps.fetch, phase: 'main' },
            report: { ...REVISED.steps.report, phase: 'after' },
          },
        } as Plan,
        by: 'planner',
      },
    ];
    const { baton } = await open(async () => {
      const next = answers.shift();
      if (!next) throw new Error('out of ideas');
      return next;
    });
    const reasons: string[] = [];
    for (let index = 0; index < 4; index++) {
      const run = await baton.submit({ ...planWith(), replan: { on: 'escalation', max: 1 } });
      expect((await run.result()).status).toBe('waiting');
      const failed = (await baton.events(run.runId)).filter((e) => e.type === 'replan.failed');
      expect(failed).toHaveLength(1);
      reasons.push((failed[0]?.data as { reason: string }).reason);
      expect((await pendingOf(baton, run.runId)).map((p) => p.id)).toEqual(['escalation:fetch']);
    }
    expect(reasons[0]).toMatch(/^the planner's revision was refused: .*nothing-offers-this/s);
    expect(reasons[1]).toBe(
      "the planner's revision declares command capabilities (sh); a drafted plan runs no programs of its own",
    );
    expect(reasons[2]).toMatch(
      /^the planner's revision was refused: the revision's gates name role auditors, whose members run "\S+" did not pin when it was created \(it pinned none\)/,
    );
    expect(reasons[3]).toBe('the planner failed: out of ideas');
    await baton.close();
  });
});
