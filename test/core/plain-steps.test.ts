import { describe, expect, it } from 'vitest';
import { buildRegistry, checkPlan, planSchemas, PlanError, type Plan, type PlanIssue } from '../../src/core/index.js';
import { plainSteps } from '../../src/core/plan/plain-steps.js';

const noop = { id: 'noop', kind: 'function' as const, skills: { noop: 1, 'x.y:z-1': 1 } };
const checked = (data: unknown): Plan => checkPlan(data, (plan) => buildRegistry(plan, [noop]));

/** What the whole schema gives for the plan, as text: values and key order. */
function bySchema(data: unknown): string {
  const parsed = planSchemas().Plan.safeParse(data);
  if (!parsed.success) throw new Error(`the schema refused it: ${parsed.error.message}`);
  return JSON.stringify(parsed.data);
}

function issuesOf(data: unknown): PlanIssue[] {
  try {
    checked(data);
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

describe('plain steps', () => {
  it('are given back as the schema gives them, key order included', () => {
    const plans = [
      { baton: 1, name: 'one', steps: { a: { skill: 'noop' } } },
      // Keys written in another order than the schema's; an empty after; names at their longest.
      {
        steps: { a: { after: [], skill: 'noop' }, ['b'.repeat(128)]: { after: ['a'], skill: 'x.y:z-1' } },
        name: 'reordered',
        baton: 1,
        constraints: { max_parallel: 2 },
      },
      {
        baton: 1,
        name: 'fan',
        steps: { b0: { skill: 'noop' }, b1: { skill: 'noop' }, j: { skill: 'noop', after: ['b0', 'b1'] } },
      },
    ];
    for (const plan of plans) {
      expect(plainSteps(plan.steps)).toBeDefined();
      expect(JSON.stringify(checked(plan))).toBe(bySchema(plan));
    }
  });

  it('leave every other step to the schema', () => {
    const notPlain: unknown[] = [
      {},
      { a: { skill: 'noop', when: 'true' } },
      { a: { capability: 'noop' } },
      { a: { skill: '{{ item }}' } },
      { a: { skill: 'noop', after: { any: ['b'] } } },
      { a: { skill: 'noop', after: undefined } },
      { a: { skill: 'noop', after: [, 'b'] } }, // eslint-disable-line no-sparse-arrays
      { a: { skill: 'n'.repeat(129) } },
      { a: { skill: '__proto__' } },
      { '1a': { skill: 'noop' } },
      { a: Object.assign(Object.create(null) as object, { skill: 'noop' }) },
      { a: { skill: 'noop', [Symbol('s')]: 1 }, [Symbol('t')]: { skill: 'noop' } },
      [{ skill: 'noop' }],
    ];
    for (const steps of notPlain) expect(plainSteps(steps)).toBeUndefined();
  });

  it('leave a refused plan its issues, in their order', () => {
    // Plain steps, but the rest of the plan is refused: the whole schema speaks.
    expect(issuesOf({ baton: 2, name: '', steps: { a: { skill: 'noop' } } }).map((issue) => issue.path)).toEqual([
      ['baton'],
      ['name'],
    ]);
    // A step that is not plain, and a field the plan may not have: both said, in the schema's order.
    expect(issuesOf({ baton: 1, name: 'x', steps: { a: { skill: 'noop', after: ['a b'] } }, extra: 1 })).toEqual([
      {
        path: ['steps', 'a', 'after', 0],
        message:
          'a step id is a letter or _ followed by letters, digits or _ (it is used as steps.<id> in expressions)',
      },
      { path: ['extra'], message: 'unknown field "extra"' },
    ]);
  });
});
