import { describe, expect, it } from 'vitest';
import {
  buildRegistry,
  checkPlan,
  narrowSubPlan,
  PlanError,
  preflight,
  type BatonEvent,
  type Plan,
} from '../../src/core/index.js';
import { given } from './given.js';

const registry = (plan: Plan) => buildRegistry(plan);

function ofType<K extends BatonEvent['type']>(events: BatonEvent[], type: K): Extract<BatonEvent, { type: K }>[] {
  return events.filter((event): event is Extract<BatonEvent, { type: K }> => event.type === type);
}

const team = {
  baton: 1,
  name: 'team',
  capabilities: { worker: { kind: 'command', command: ['true'], skills: { work: 1 }, cost_usd: 0.25 } },
  steps: { a: { skill: 'work' }, b: { skill: 'work', after: ['a'] } },
};

/** A parent with a budget of $1: `spend` may cost $0.7, then `team` runs the child plan. */
function parent(child: Record<string, unknown>, budget = 1) {
  return {
    baton: 1,
    name: 'parent',
    constraints: { budget_usd: budget },
    capabilities: { spender: { kind: 'command', command: ['true'], skills: { spend: 1 }, cost_usd: 0.7 } },
    steps: { spend: { skill: 'spend' }, team: { plan: child, after: ['spend'] } },
  };
}

describe('sub-plans in the conductor: the step is pinned to its child run, and its budget narrowed', () => {
  it('dispatches the step to `plan:STEP`, reserving what the parent has left when the child asks more', () => {
    const run = given(parent({ ...team, constraints: { budget_usd: 5 } }));
    const made = run.signal({
      type: 'attempt.succeeded',
      data: { attemptId: 'spend/a1', output: null, durationMs: 1, costUsd: 0.7 },
    });
    const [routed] = ofType(made, 'step.routed');
    expect(routed?.data).toMatchObject({
      step: 'team',
      capability: 'plan:team',
      reason: 'runs its sub-plan as a child run ("plan:team")',
    });
    const [dispatch] = ofType(made, 'attempt.dispatched');
    expect(dispatch?.data).toMatchObject({ attemptId: 'team/a1', capability: 'plan:team' });
    expect(dispatch?.data.reservedUsd).toBeCloseTo(0.3, 9);
  });

  it("reserves the child's own budget when that is less than what is left", () => {
    const run = given(parent({ ...team, constraints: { budget_usd: 0.2 } }));
    const made = run.signal({
      type: 'attempt.succeeded',
      data: { attemptId: 'spend/a1', output: null, durationMs: 1, costUsd: 0.1 },
    });
    expect(ofType(made, 'attempt.dispatched')[0]?.data.reservedUsd).toBe(0.2);
  });

  it('escalates, never dispatches, when nothing of the budget is left for the child', () => {
    const run = given(parent(team, 0.7));
    const made = run.signal({
      type: 'attempt.succeeded',
      data: { attemptId: 'spend/a1', output: null, durationMs: 1, costUsd: 0.7 },
    });
    expect(ofType(made, 'attempt.dispatched')).toEqual([]);
    expect(ofType(made, 'decision.requested')[0]?.data).toMatchObject({
      kind: 'escalation',
      step: 'team',
      reason:
        'budget: nothing is left for the sub-plan of "team" ("plan:team"): $0.7 of the run\'s budget of $0.7 is spent',
    });
  });

  it('a parent without any budget reserves nothing: the child keeps its own constraints', () => {
    const run = given({ baton: 1, name: 'p', steps: { team: { plan: team } } });
    expect(ofType(run.decisions, 'attempt.dispatched')[0]?.data).toMatchObject({ capability: 'plan:team' });
    expect(ofType(run.decisions, 'attempt.dispatched')[0]?.data.reservedUsd).toBeUndefined();
  });
});

describe('narrowSubPlan: the child never gets more than its parent step has', () => {
  const parentPlan = checkPlan(
    {
      baton: 1,
      name: 'parent',
      constraints: {
        allow: ['command', 'plan'],
        permissions: ['network', 'fs:write'],
        scope: ['./out'],
        secrets: ['DEPLOY_TOKEN'],
      },
      steps: { team: { plan: team, constraints: { permissions: ['network'] } } },
    },
    registry,
  );

  it('narrows budget, deadline, kinds, permissions and scope, and keeps the parent secrets redacted', () => {
    const child = checkPlan(
      {
        ...team,
        constraints: {
          budget_usd: 5,
          deadline: '1h',
          allow: ['command', 'http'],
          permissions: ['network', 'spend'],
          scope: ['./out/team', '/etc'],
          max_parallel: 2,
        },
      },
      registry,
    );
    const narrowed = narrowSubPlan(child, parentPlan, 'team', { budgetUsd: 0.3, deadlineMs: 90_000 });
    expect(narrowed.constraints).toEqual({
      budget_usd: 0.3,
      deadline: '90000ms',
      allow: ['command'],
      permissions: ['network'],
      scope: ['./out/team'],
      max_parallel: 2,
      secrets: ['DEPLOY_TOKEN'],
    });
    expect(narrowed.steps).toBe(child.steps);
  });

  it("keeps the child's own limits when they are the narrower, and grants nothing it did not ask for", () => {
    const child = checkPlan({ ...team, constraints: { budget_usd: 0.1, deadline: '1s' } }, registry);
    const narrowed = narrowSubPlan(child, parentPlan, 'team', { budgetUsd: 0.3, deadlineMs: 60_000 });
    expect(narrowed.constraints).toMatchObject({
      budget_usd: 0.1,
      deadline: '1s',
      permissions: [],
      scope: ['./out'],
    });
  });
});

describe('sub-plans in the plan language', () => {
  it('validates an inline child as a plan, with paths below steps.<id>.plan', () => {
    const bad = { ...team, steps: { a: { skill: 'nope' } } };
    try {
      checkPlan({ baton: 1, name: 'p', steps: { team: { plan: bad } } }, registry);
      expect.unreachable('the plan should be refused');
    } catch (error) {
      expect(error).toBeInstanceOf(PlanError);
      expect((error as PlanError).issues[0]?.path).toEqual(['steps', 'team', 'plan', 'steps', 'a', 'skill']);
    }
  });

  it('refuses a sub-plan step that also names a skill, and nesting deeper than the bound', () => {
    expect(() => checkPlan({ baton: 1, name: 'p', steps: { team: { plan: team, skill: 'work' } } }, registry)).toThrow(
      /a step with `plan` runs that plan as a child run; it cannot also have `skill`/,
    );
    let nested: Record<string, unknown> = team;
    for (let depth = 0; depth < 4; depth++)
      nested = { baton: 1, name: `level-${depth}`, steps: { down: { plan: nested } } };
    expect(() => checkPlan(nested, registry)).toThrow(/sub-plans nest at most 4 deep/);
  });

  it("pre-flight counts the child's costs as the step's, its budget bounding the worst case", () => {
    const plan = checkPlan(
      { baton: 1, name: 'p', steps: { team: { plan: { ...team, constraints: { budget_usd: 0.4 } } } } },
      registry,
    );
    const [step] = preflight(plan, buildRegistry(plan)).steps;
    expect(step).toMatchObject({ capability: 'plan:team', minUsd: 0.5, worstUsd: 0.4 });
    expect(preflight(plan, buildRegistry(plan)).problems).toEqual([
      'step "team", its sub-plan "team": minimum cost $0.50 (a $0.25 + b $0.25) exceeds budget_usd $0.40',
    ]);
  });
});
