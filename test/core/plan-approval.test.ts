import { describe, expect, it } from 'vitest';
import { decide, evolve, type BatonEvent, type PlanApproval } from '../../src/core/index.js';
import { dispatched, given, plan, T0 } from './given.js';

const APPROVAL: PlanApproval = {
  reason: 'drafted by planner from the objective "ship it"',
  outline: 'phase execution\n  a: work -> fn',
  drafted: { objective: 'ship it', planner: 'planner', record: 'plan-1' },
};

const twoSteps = plan({ a: {}, b: { after: ['a'] } });

function answer(verdict: 'approved' | 'denied', id = 'plan:1'): BatonEvent {
  return { type: 'decision.made', data: { id, verdict, by: 'alice', comment: null } };
}

describe('a plan that waits for approval (a drafted plan)', () => {
  it('asks once, with the outline, and dispatches nothing until a person approves', () => {
    const run = given(twoSteps, {}, { approval: APPROVAL });
    expect(run.types()).toEqual(['decision.requested']);
    expect(run.decisions[0]).toMatchObject({
      data: {
        id: 'plan:1',
        kind: 'plan',
        step: null,
        reason: `revision 1 of the plan needs a person's approval before anything runs: ${APPROVAL.reason}`,
        detail: { planHash: 'h', revision: 1, outline: APPROVAL.outline, drafted: APPROVAL.drafted },
      },
    });
    // Time passing changes nothing: no timer, no dispatch, no second question.
    expect(run.advance(60_000)).toEqual([]);
    expect(dispatched(run.signal(answer('approved')))).toEqual(['a/a1']);
    expect(run.state.planApproval).toBeNull();
    run.succeed('a/a1');
    expect(run.succeed('b/a1').map((e) => e.type)).toContain('run.succeeded');
  });

  it('denied, the run ends denied and nothing ran', () => {
    const run = given(twoSteps, {}, { approval: APPROVAL });
    const made = run.signal(answer('denied'));
    expect(made).toEqual([
      {
        type: 'run.denied',
        data: { reason: 'revision 1 of the plan was denied by alice; nothing ran', decision: 'plan:1', by: 'alice' },
      },
    ]);
    expect(run.types().filter((type) => type === 'attempt.dispatched')).toEqual([]);
  });

  it('a revision while it waits moves the question to the new revision', () => {
    const run = given(twoSteps, {}, { approval: APPROVAL });
    const revised = plan({ a: {}, b: { after: ['a'] }, c: { after: ['b'] } });
    const made = run.signal({
      type: 'plan.revised',
      data: {
        revision: 2,
        plan: revised as never,
        planHash: 'h2',
        registry: run.state.registry,
        by: 'bob',
        revertOf: null,
      },
    });
    expect(made).toMatchObject([{ type: 'decision.requested', data: { id: 'plan:2', detail: { planHash: 'h2' } } }]);
    expect(run.signal(answer('approved', 'plan:1'))).toEqual([]); // the old question is gone: nothing changes
    expect(dispatched(run.signal(answer('approved', 'plan:2')))).toEqual(['a@r2/a1']);
  });

  it('a run without an approval runs at once, and old ledgers fold the same (no planApproval)', () => {
    const run = given(twoSteps);
    expect(dispatched(run.decisions)).toEqual(['a/a1']);
    expect(run.state.planApproval).toBeNull();
  });

  it('replays: re-deciding over the recorded events gives the recorded decisions', () => {
    const run = given(twoSteps, {}, { approval: APPROVAL });
    run.signal(answer('approved'));
    const at = new Date(T0).toISOString();
    let state = evolve(undefined, {
      type: 'run.created',
      runId: 'r1',
      at,
      data: {
        plan: run.state.plan,
        planHash: 'h',
        inputs: {},
        registry: run.state.registry,
        approval: APPROVAL,
      },
    });
    const first = decide(state, { now: T0 });
    expect(first).toEqual(run.decisions.slice(0, 1));
    for (const event of first) state = evolve(state, { ...event, at });
    state = evolve(state, { ...answer('approved'), at });
    expect(decide(state, { now: T0 })).toEqual(run.decisions.slice(1));
  });
});
