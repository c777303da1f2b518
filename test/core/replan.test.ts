import { describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/core/index.js';
import { checkPlan } from '../../src/core/plan/parse.js';
import { buildRegistry } from '../../src/core/registry.js';
import * as operator from '../../src/engine/operator.js';
import { dispatched, given, plan } from './given.js';

const FN = [{ id: 'fn', kind: 'function' as const, skills: { work: 0.5 } }];

function withReplan(approve?: 'person' | 'auto', max = 1): unknown {
  return plan(
    { a: { on_failure: 'escalate' }, b: { after: ['a'] } },
    { replan: { on: 'escalation', max, ...(approve && { approve }) } },
  );
}

/** The planner's answer: `a` replaced by `a2`, `b` kept. */
function proposal(request: number): BatonEvent {
  const revised = checkPlan(plan({ a2: {}, b: { after: ['a2'] } }), (p) => buildRegistry(p, FN));
  return {
    type: 'plan.proposed',
    data: {
      request,
      plan: revised,
      planHash: 'h2',
      registry: buildRegistry(revised, FN),
      by: 'planner',
      outline: 'a2 -> b',
    },
  };
}

describe('replanning after an escalation (replan: { on: escalation })', () => {
  it('asks the planner, then a person; approving makes the proposal the run plan, which goes on from there', () => {
    const run = given(withReplan());
    const escalated = run.fail('a/a1', 'boom', false);
    expect(escalated.map((e) => e.type)).toEqual(['replan.requested', 'decision.requested']);
    expect(escalated[0]).toMatchObject({ type: 'replan.requested', data: { request: 1, step: 'a' } });
    expect(run.state.pending.has('escalation:a')).toBe(true);

    const asked = run.signal(proposal(1));
    expect(asked).toMatchObject([
      {
        type: 'decision.requested',
        data: { id: 'plan:2', kind: 'plan', detail: { planHash: 'h2', revision: 2, request: 1, outline: 'a2 -> b' } },
      },
    ]);
    const made = operator.approve(run.state, 'plan:2', 'alice', null);
    const [revised] = operator.adoptedRevision(run.state, made) as [BatonEvent];
    expect(revised).toMatchObject({ type: 'plan.revised', data: { revision: 2, planHash: 'h2', by: 'alice' } });
    run.signal(made);
    expect(dispatched(run.signal(revised))).toEqual(['a2@r2/a1']);
    // The escalated step is gone with the old plan, and its question with it.
    expect([...run.state.pending.keys()]).toEqual([]);
    expect(run.state.replan).toMatchObject({ requested: 1, open: null, proposal: null });
  });

  it('denied, the run goes on under its plan and the escalation still waits for a person', () => {
    const run = given(withReplan());
    run.fail('a/a1', 'boom', false);
    run.signal(proposal(1));
    const denied = run.signal(operator.deny(run.state, 'plan:2', 'alice', 'no') as BatonEvent);
    expect(denied).toEqual([]);
    expect(run.state.status).toBe('running');
    expect([...run.state.pending.keys()]).toEqual(['escalation:a']);
    expect(run.state.replan.proposal).toBeNull();
  });

  it('asks at most `max` times in the run, and never while a request is open', () => {
    const run = given(
      plan({ a: { on_failure: 'escalate' }, c: { on_failure: 'escalate' } }, { replan: { on: 'escalation', max: 1 } }),
    );
    run.fail('a/a1', 'boom', false);
    const second = run.fail('c/a1', 'boom', false);
    expect(second.map((e) => e.type)).toEqual(['decision.requested']); // request 1 is still open
    run.signal({ type: 'replan.failed', data: { request: 1, reason: 'the planner gave no admissible plan' } });
    expect(run.state.replan).toMatchObject({ requested: 1, open: null });
    expect(run.types().filter((t) => t === 'replan.requested')).toHaveLength(1);
  });

  it('under approve: auto nothing is asked of a person: the engine records the revision with the proposal', () => {
    const run = given(withReplan('auto'));
    run.fail('a/a1', 'boom', false);
    expect(run.signal(proposal(1))).toEqual([]);
    expect(run.state.pending.has('plan:2')).toBe(false);
  });

  it('a plan without replan escalates as before', () => {
    const run = given(plan({ a: { on_failure: 'escalate' } }));
    expect(run.fail('a/a1', 'boom', false).map((e) => e.type)).toEqual(['decision.requested']);
  });
});
