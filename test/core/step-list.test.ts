import { describe, expect, it } from 'vitest';
import { buildRegistry, checkPlan, type Plan } from '../../src/core/index.js';
import { listStepEntries, listStepIds, listSteps } from '../../src/core/plan/step-list.js';

const noop = { id: 'noop', kind: 'function' as const, skills: { noop: 1 } };
const checked = (data: unknown): Plan => checkPlan(data, (plan) => buildRegistry(plan, [noop]));

describe('step listings', () => {
  it('list a checked plan once, whose steps cannot change after', () => {
    const plan = checked({
      baton: 1,
      name: 'listed',
      steps: { a: { skill: 'noop' }, b: { skill: 'noop', after: ['a'] } },
    });
    expect(listStepIds(plan.steps)).toEqual(['a', 'b']);
    expect(listStepIds(plan.steps)).toBe(listStepIds(plan.steps));
    expect(listStepEntries(plan.steps).map(([id, step]) => [id, step.after ?? []])).toEqual([
      ['a', []],
      ['b', ['a']],
    ]);
    expect(listSteps(plan.steps)).toBe(listSteps(plan.steps));
    expect(() => {
      (plan.steps as Record<string, unknown>).c = { skill: 'noop' };
    }).toThrow(TypeError);
  });

  it('list any other steps afresh, so a plan still being built is never listed stale', () => {
    const steps: Plan['steps'] = {};
    steps.a = { skill: 'noop' } as Plan['steps'][string];
    expect(listStepIds(steps)).toEqual(['a']);
    steps.b = { skill: 'noop' } as Plan['steps'][string];
    expect(listStepIds(steps)).toEqual(['a', 'b']);
    expect(listSteps(steps)).toHaveLength(2);
    expect(listStepEntries(steps).map(([id]) => id)).toEqual(['a', 'b']);
  });
});
