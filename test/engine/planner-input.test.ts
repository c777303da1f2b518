import { describe, expect, it } from 'vitest';
import { BatonError, type WorkspaceRegistry } from '../../src/core/index.js';
import { checkDraftPlanInput } from '../../src/engine/index.js';

const priced = {
  kind: 'llm',
  provider: 'openai',
  model: 'gpt-4o-mini',
  price: { input_per_mtok: 1, output_per_mtok: 2 },
  skills: { plan: 0.6 },
};

const registry = (capabilities: Record<string, unknown>): WorkspaceRegistry =>
  ({ capabilities }) as unknown as WorkspaceRegistry;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BatonError);
    expect((error as BatonError).code).toBe('bad_input');
    return (error as Error).message;
  }
  throw new Error('not refused');
}

describe('checkDraftPlanInput', () => {
  it('picks the strongest llm capability with skill plan, with its worst case per call', () => {
    const chosen = checkDraftPlanInput({
      objective: 'Ship it',
      registry: registry({
        weak: priced,
        strong: { ...priced, model: 'gpt-4o', skills: { plan: 0.9 } },
        person: { kind: 'human', skills: { plan: 1 } },
      }),
    });
    expect(chosen).toMatchObject({ id: 'strong', maxRepairs: 3 });
    expect(chosen.worstCallUsd).toBeCloseTo(0.016192, 9);
  });

  it('says how to add a planner when there is none, or only of another kind', () => {
    expect(refusal(() => checkDraftPlanInput({ objective: 'x', registry: registry({}) }))).toContain(
      'no capability of the workspace registry has skill "plan"',
    );
    const other = refusal(() =>
      checkDraftPlanInput({ objective: 'x', registry: registry({ person: { kind: 'human', skills: { plan: 1 } } }) }),
    );
    expect(other).toContain('(person: human) are not of kind llm');
    expect(other).toContain('    skills: { plan: 1 }');
  });

  it('refuses a budget without the planner price, bad numbers and an empty objective', () => {
    const unpriced = registry({ planner: { ...priced, price: undefined } });
    expect(refusal(() => checkDraftPlanInput({ objective: 'x', registry: unpriced, budgetUsd: 1 }))).toContain(
      'capability "planner" has none: add price:',
    );
    const ok = registry({ planner: priced });
    expect(refusal(() => checkDraftPlanInput({ objective: 'x', registry: ok, maxRepairs: -1 }))).toContain(
      'max repairs must be a whole number from 0 to 20, got -1',
    );
    expect(refusal(() => checkDraftPlanInput({ objective: 'x', registry: ok, budgetUsd: Number.NaN }))).toContain(
      'the planning budget must be a number of US dollars of 0 or more',
    );
    expect(refusal(() => checkDraftPlanInput({ objective: '  ', registry: ok }))).toContain('the objective is empty');
    expect(
      refusal(() =>
        checkDraftPlanInput({ objective: 'x', registry: ok, constraints: { deadline: 'soon', max_parallel: 0 } }),
      ),
    ).toMatch(/constraints\.deadline: .*\n {2}constraints\.max_parallel: /);
  });
});
