import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../src/core/index.js';
import { buildRegistry } from '../../src/core/registry.js';
import { routeStep, staticPolicy } from '../../src/core/routing.js';

/** Routes step `s` of a plan whose capabilities all offer `answer`, under the plan's own policy. */
function route(capabilities: Record<string, unknown>, step: Record<string, unknown> = { skill: 'answer' }) {
  const plan = checkPlan({ baton: 1, name: 'routing', capabilities, steps: { s: step } }, (p) => buildRegistry(p));
  return routeStep('s', plan.steps.s!, buildRegistry(plan), staticPolicy(plan, plan.steps.s!));
}

const model = (strength: number, cost?: number) => ({
  kind: 'command',
  command: ['true'],
  skills: { answer: strength },
  ...(cost !== undefined && { cost_usd: cost }),
});

describe('routing among equals: the cheaper worst case wins', () => {
  it('goes to the cheaper of two equally strong capabilities, whatever their ids, and says why', () => {
    const result = route({ 'a-pricey': model(0.9, 0.5), 'b-cheap': model(0.9, 0.01) });
    expect(result.ok && result.route.capability).toBe('b-cheap');
    const candidates = result.ok ? result.route.candidates : [];
    expect(candidates.map((c) => [c.capability, c.chosen, c.reason])).toEqual([
      ['b-cheap', true, 'strongest for "answer" (0.9)'],
      ['a-pricey', false, 'as strong as "b-cheap" (0.9) but costs more ($0.5 > $0.01 per attempt)'],
    ]);
  });

  it('still prefers strength to price', () => {
    const result = route({ strong: model(0.9, 0.5), cheap: model(0.6, 0.01) });
    expect(result.ok && result.route.capability).toBe('strong');
  });

  it('breaks a tie of strength and price by id, so the same registry always routes the same way', () => {
    const result = route({ zeta: model(0.9, 0.1), alpha: model(0.9, 0.1) });
    expect(result.ok && result.route.capability).toBe('alpha');
    const loser = result.ok ? result.route.candidates.find((c) => c.capability === 'zeta') : undefined;
    expect(loser?.reason).toBe('as strong as "alpha" (0.9) and costs the same; ties go to the first id');
  });

  it('a consensus takes the cheapest of equally strong voters', () => {
    const result = route(
      { a: model(0.9, 0.3), b: model(0.9, 0.2), c: model(0.9, 0.1) },
      { skill: 'answer', consensus: { n: 2, agree: 'all' } },
    );
    expect(result.ok && result.route.voters).toEqual(['c', 'b']);
  });
});
