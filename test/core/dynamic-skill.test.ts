import { describe, expect, it } from 'vitest';
import { buildRegistry, checkPlan, preflight, PlanError, type BatonEvent } from '../../src/core/index.js';
import { dispatched, given } from './given.js';

/** Two capabilities with different skills; the fan-out's items name the skill each wants. */
function fanOut(items: unknown, step: Record<string, unknown> = {}) {
  return {
    baton: 1,
    name: 'fan-out',
    capabilities: {
      translator: { kind: 'command', command: ['true'], skills: { translate: 0.9 }, cost_usd: 0.2 },
      summarizer: { kind: 'command', command: ['true'], skills: { summarize: 0.8 }, cost_usd: 0.5 },
    },
    steps: {
      fan: { for_each: JSON.stringify(items), skill: '{{ item.skill }}', input: '{{ item.text }}', ...step },
    },
  };
}

function ofType<K extends BatonEvent['type']>(events: BatonEvent[], type: K): Extract<BatonEvent, { type: K }>[] {
  return events.filter((event): event is Extract<BatonEvent, { type: K }> => event.type === type);
}

describe('dynamic skill: `skill: "{{ item.skill }}"` on a for_each step', () => {
  it('routes each item by the skill it names, at dispatch, and records each route with its candidates', () => {
    const run = given(
      fanOut([
        { skill: 'translate', text: 'hola' },
        { skill: 'summarize', text: 'a long text' },
      ]),
    );
    const routes = ofType(run.decisions, 'step.routed');
    expect(routes.map((route) => [route.data.instance, route.data.skill, route.data.capability])).toEqual([
      ['fan[0]', 'translate', 'translator'],
      ['fan[1]', 'summarize', 'summarizer'],
    ]);
    expect(routes[0]?.data.candidates).toEqual([
      {
        capability: 'translator',
        kind: 'command',
        strength: 0.9,
        chosen: true,
        reason: 'strongest for "translate" (0.9)',
      },
    ]);
    const dispatches = ofType(run.decisions, 'attempt.dispatched');
    expect(dispatches.map((event) => [event.data.attemptId, event.data.capability, event.data.input])).toEqual([
      ['fan[0]/a1', 'translator', 'hola'],
      ['fan[1]/a1', 'summarizer', 'a long text'],
    ]);
    // Each item reserves the worst case of the capability it went to.
    expect(dispatches.map((event) => event.data.reservedUsd)).toEqual([0.2, 0.5]);
    run.succeed('fan[0]/a1', 'hello');
    const end = run.succeed('fan[1]/a1', 'short');
    expect(ofType(end, 'step.succeeded')[0]?.data.output).toEqual(['hello', 'short']);
    expect(run.state.status).toBe('succeeded');
  });

  it('escalates an item whose skill no capability offers, with the reason, and never fails it silently', () => {
    const run = given(
      fanOut([
        { skill: 'translate', text: 'hola' },
        { skill: 'paint', text: 'a fence' },
      ]),
    );
    expect(dispatched(run.decisions)).toEqual(['fan[0]/a1']);
    const [escalation] = ofType(run.decisions, 'decision.requested');
    expect(escalation?.data).toMatchObject({ kind: 'escalation', step: 'fan', retry: { instances: ['fan[1]'] } });
    expect(escalation?.data.reason).toBe(
      `no capability can take item 1 of "fan" (skill "paint"): no capability in the run's registry offers skill "paint"`,
    );
    expect(escalation?.data.detail).toMatchObject({ skill: 'paint', item: { skill: 'paint', text: 'a fence' } });
    expect(run.state.steps.fan?.status).toBe('escalated');
    // The item that was routed finishes; the step waits for a person about the other.
    expect(run.succeed('fan[0]/a1', 'hello')).not.toContainEqual(expect.objectContaining({ type: 'step.succeeded' }));
    expect(run.state.status).toBe('running');
  });

  it('escalates when the item is offered only by a capability the step may not use (its grant narrows)', () => {
    const plan = fanOut([{ skill: 'summarize', text: 'x' }], { constraints: { budget_usd: 0.3 } });
    const run = given(plan);
    const [escalation] = ofType(run.decisions, 'decision.requested');
    expect(escalation?.data.reason).toBe(
      'no capability can take item 0 of "fan" (skill "summarize"): 0 of 1 capabilities offering "summarize" are allowed, and the step needs 1',
    );
    expect(escalation?.data.detail).toMatchObject({
      candidates: [
        {
          capability: 'summarizer',
          chosen: false,
          reason: 'costs up to $0.5 per attempt and only $0.3 of the budget is left',
        },
      ],
    });
    expect(dispatched(run.decisions)).toEqual([]);
  });

  it('a template that gives no skill name is an unclear expression: the step waits for a person', () => {
    const run = given(fanOut([{ skill: 42, text: 'x' }]));
    const [escalation] = ofType(run.decisions, 'decision.requested');
    expect(escalation?.data.reason).toMatch(
      /^cannot evaluate an expression of "fan": skill `\{\{ item.skill \}\}` of item 0: gives 42, which is not a skill name/,
    );
  });

  it('is refused without for_each, with consensus, or when the template reads what the step cannot see', () => {
    const registry = (plan: Parameters<typeof buildRegistry>[0]) => buildRegistry(plan);
    const check = (steps: unknown) => () =>
      checkPlan({ ...fanOut([]), inputs: { who: { type: 'string' } }, steps }, registry);
    expect(check({ a: { skill: '{{ inputs.who }}' } })).toThrow(/it needs `for_each`/);
    expect(check({ a: { for_each: '[1]', skill: '{{ item }}', consensus: { n: 2, agree: 'all' } } })).toThrow(
      PlanError,
    );
    expect(check({ a: { for_each: '[1]', skill: '{{ inputs.nope }}' } })).toThrow(/reads inputs.nope/);
    expect(check({ a: { for_each: '[1]', skill: '{{ item. }}' } })).toThrow(/steps.a.skill/);
  });

  it("pre-flight cannot know the skill: it bounds the item's cost by the capabilities the step's grant allows", () => {
    const plan = checkPlan(fanOut([{ skill: 'translate' }], { retry: { max: 1 } }), (p) => buildRegistry(p));
    const report = preflight(plan, buildRegistry(plan));
    const [step] = report.steps;
    expect(step).toMatchObject({ step: 'fan', capability: null, minUsd: 0.2, worstUsd: 1, perItem: true });
    expect(step?.arithmetic).toBe('$0.50 (the dearest allowed capability) x 2 attempts per item');
    expect(step?.reason).toMatch(/routed at dispatch/);
    expect(report.problems).toEqual([]);
    const none = checkPlan(fanOut([], { constraints: { allow: ['http'] } }), (p) => buildRegistry(p));
    expect(preflight(none, buildRegistry(none)).problems).toEqual([
      'step "fan" has a skill template, and its grant allows no capability of the run\'s registry',
    ]);
  });
});
