import { describe, expect, it } from 'vitest';
import { buildRegistry, checkPlan, PlanError, preflight, type CapabilityDescriptor } from '../../src/core/index.js';
import { dispatched } from './given.js';
import { command, dispatchedData, governed } from './governed.js';

const fn: CapabilityDescriptor[] = [{ id: 'fn', kind: 'function', skills: { work: 0.5 } }];

/** Two reviewers that vote, and a judge (with a weaker one that the router passes over). */
function judged(step: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    baton: 1,
    name: 'judged',
    capabilities: {
      r1: command({ review: 0.9 }),
      r2: command({ review: 0.8 }),
      arbiter: command({ judge: 0.9 }, { cost_usd: 0.25 }),
      junior: command({ judge: 0.5 }),
    },
    steps: {
      review: { skill: 'review', input: 'is it safe?', consensus: { n: 2, agree: 'all', compare: 'judge' }, ...step },
      next: { skill: 'work', after: ['review'], input: '{{ steps.review.output }}' },
    },
    ...extra,
  };
}

describe('consensus judged by a capability (compare: judge)', () => {
  it('routes a judge once the votes are in, gives it the votes and the input, and takes its agreed answer', () => {
    const run = governed(judged());
    expect(run.succeed('review/v1/a1', 'yes, safe')).toEqual([]);
    const made = run.succeed('review/v2/a1', 'it is safe');
    const [route] = run.all('step.routed', made);
    expect(route).toMatchObject({ step: 'review', skill: 'judge', capability: 'arbiter', role: 'judge' });
    expect(route?.reason).toBe('judge of the consensus: strongest of 2 capabilities offering "judge"');
    expect(route?.candidates.map((c) => [c.capability, c.chosen])).toEqual([
      ['arbiter', true],
      ['junior', false],
    ]);
    expect(dispatchedData(made)).toEqual([
      {
        attemptId: 'review/judge/a1',
        step: 'review',
        index: null,
        iteration: 1,
        attempt: 1,
        idempotencyKey: 'r1/review/judge',
        capability: 'arbiter',
        input: {
          step: 'review',
          agree: 'all',
          input: 'is it safe?',
          votes: [
            { capability: 'r1', output: 'yes, safe' },
            { capability: 'r2', output: 'it is safe' },
          ],
        },
        timeoutMs: null,
        role: 'judge',
        reservedUsd: 0.25,
      },
    ]);
    const settled = run.succeed('review/judge/a1', { agree: true, output: 'safe', reasons: 'both say it is safe' });
    expect(run.all('consensus.judged', settled)).toEqual([
      { step: 'review', judge: 'arbiter', agree: true, reasons: 'both say it is safe', output: 'safe' },
    ]);
    expect(run.all('consensus.reached', settled)).toEqual([
      { step: 'review', output: 'safe', agreeing: ['r1', 'r2'], dissenting: [] },
    ]);
    expect(dispatchedData(settled).map((d) => [d.attemptId, d.input])).toEqual([['next/a1', 'safe']]);
    run.expectFixpoint();
  });

  it('takes the first vote when the agreeing judge chooses no answer, and reads a verdict sent as JSON text', () => {
    const run = governed(judged());
    run.succeed('review/v1/a1', 'yes');
    run.succeed('review/v2/a1', 'yep');
    const settled = run.succeed('review/judge/a1', '{"agree": true, "reasons": "same meaning"}');
    expect(run.all('step.succeeded', settled)[0]).toEqual({ step: 'review', output: 'yes' });
    run.expectFixpoint();
  });

  it('escalates a disagreement with the verdict and its reasons; approving runs the votes, then the judge, again', () => {
    const run = governed(judged());
    run.succeed('review/v1/a1', 'ship it');
    run.succeed('review/v2/a1', 'do not ship');
    const made = run.succeed('review/judge/a1', { agree: false, reasons: 'one says ship, the other does not' });
    expect(run.all('consensus.judged', made)).toEqual([
      { step: 'review', judge: 'arbiter', agree: false, reasons: 'one says ship, the other does not' },
    ]);
    expect(run.all('decision.requested', made)).toEqual([
      {
        id: 'escalation:review',
        kind: 'escalation',
        step: 'review',
        phase: 'main',
        reason: 'contradiction in "review": judge "arbiter" found no agreement: one says ship, the other does not',
        detail: {
          votes: [
            { capability: 'r1', output: 'ship it' },
            { capability: 'r2', output: 'do not ship' },
          ],
          judge: { capability: 'arbiter', agree: false, reasons: 'one says ship, the other does not' },
          retry: ['review/v1', 'review/v2', 'review/judge'],
        },
        retry: { instances: ['review/v1', 'review/v2', 'review/judge'] },
      },
    ]);
    expect(run.state.steps.review?.status).toBe('escalated');
    expect(run.all('step.succeeded', made)).toEqual([]);
    // The votes run again; the judge waits for them, then judges as a new attempt of the same instance.
    expect(dispatched(run.approve('escalation:review'))).toEqual(['review/v1/a2', 'review/v2/a2']);
    expect(run.succeed('review/v1/a2', 'ship it')).toEqual([]);
    const again = run.succeed('review/v2/a2', 'ship it');
    expect(dispatched(again)).toEqual(['review/judge/a2']);
    expect(dispatchedData(again)[0]?.input).toMatchObject({
      votes: [
        { capability: 'r1', output: 'ship it' },
        { capability: 'r2', output: 'ship it' },
      ],
    });
    const settled = run.succeed('review/judge/a2', { agree: true, reasons: 'both ship' });
    expect(run.all('step.succeeded', settled)[0]).toEqual({ step: 'review', output: 'ship it' });
    run.expectFixpoint();
  });

  it('fails the step when the judge answers something that is not a verdict', () => {
    const run = governed(judged());
    run.succeed('review/v1/a1', 'a');
    run.succeed('review/v2/a1', 'b');
    const made = run.succeed('review/judge/a1', { agree: 'yes' });
    expect(run.all('step.failed', made)).toEqual([
      {
        step: 'review',
        error: {
          type: 'judge_invalid',
          message:
            'judge "arbiter": the judge\'s answer is not a verdict ("agree" is "yes", "reasons" is missing); a judge answers { "agree": true or false, "output"?: any JSON, "reasons": "text" }',
          retryable: false,
        },
      },
    ]);
    expect(run.all('consensus.judged', made)).toEqual([]);
    expect(run.state.status).toBe('failed');
    run.expectFixpoint();
  });

  it('retries a failed judge under the step retry, and a judge that fails for good escalates under on_failure', () => {
    const run = governed(judged({ retry: { max: 1 }, on_failure: 'escalate' }));
    run.succeed('review/v1/a1', 'a');
    run.succeed('review/v2/a1', 'a');
    expect(dispatched(run.fail('review/judge/a1', 'rate limited'))).toEqual(['review/judge/a2']);
    const made = run.fail('review/judge/a2', 'rate limited');
    expect(run.all('decision.requested', made)[0]).toMatchObject({
      reason: '"review" failed: judge "arbiter": rate limited (after 2 attempts)',
      retry: { instances: ['review/judge'] },
    });
    // Approving runs the judge alone again: the votes it would judge are still in.
    expect(dispatched(run.approve('escalation:review'))).toEqual(['review/judge/a3']);
    const settled = run.succeed('review/judge/a3', { agree: true, reasons: 'same' });
    expect(run.all('step.succeeded', settled)).toHaveLength(1);
    run.expectFixpoint();
  });

  it('routes the judge under the step grant: a judge of a kind the step does not allow is passed over', () => {
    const run = governed({
      ...judged({ constraints: { allow: ['command'] } }),
      capabilities: {
        r1: command({ review: 0.9 }),
        r2: command({ review: 0.8 }),
        oracle: { kind: 'human', skills: { judge: 1 } },
        arbiter: command({ judge: 0.5 }),
      },
    });
    run.succeed('review/v1/a1', 'a');
    const [route] = run.all('step.routed', run.succeed('review/v2/a1', 'a'));
    expect(route?.capability).toBe('arbiter');
    expect(route?.candidates.find((c) => c.capability === 'oracle')?.reason).toContain('kind "human" is not allowed');
  });

  it('a named judge skill: compare: { judge: SKILL }', () => {
    const run = governed({
      ...judged({ consensus: { n: 2, agree: 'majority', compare: { judge: 'referee' } } }),
      capabilities: { r1: command({ review: 0.9 }), r2: command({ review: 0.8 }), ref: command({ referee: 1 }) },
    });
    run.succeed('review/v1/a1', 'a');
    const made = run.succeed('review/v2/a1', 'b');
    expect(dispatchedData(made).map((d) => [d.attemptId, d.capability, (d.input as { agree: string }).agree])).toEqual([
      ['review/judge/a1', 'ref', 'majority'],
    ]);
  });

  it('validation refuses a judge skill that no capability offers, naming the skills there are', () => {
    const data = judged({ consensus: { n: 2, agree: 'all', compare: { judge: 'refere' } } });
    const check = () => checkPlan(data, (p) => buildRegistry(p, fn));
    expect(check).toThrow(PlanError);
    expect(check).toThrow(
      'no capability offers skill "refere" to judge the consensus; skills offered: judge, review, work',
    );
  });

  it('pre-flight counts the judge in the costs and refuses a plan whose judge cannot be routed', () => {
    const plan = checkPlan(judged({ retry: { max: 2 } }), (p) => buildRegistry(p, fn));
    const step = preflight(plan, buildRegistry(plan, fn)).steps.find((s) => s.step === 'review');
    expect(step).toMatchObject({
      minUsd: 0.25,
      worstUsd: 0.75,
      arithmetic: '$0.00 x 3 attempts x 2 votes + judge $0.25 x 3 attempts',
    });
    const refused = checkPlan(
      judged(
        { constraints: { budget_usd: 0.1 } },
        {
          capabilities: {
            r1: command({ review: 0.9 }),
            r2: command({ review: 0.8 }),
            arbiter: command({ judge: 1 }, { cost_usd: 0.25 }),
          },
        },
      ),
      (p) => buildRegistry(p, fn),
    );
    expect(preflight(refused, buildRegistry(refused, fn)).problems).toEqual([
      'step "review": no allowed, permitted capability can judge its consensus: 0 of 1 capabilities offering "judge" are allowed, and the step needs 1; candidates: arbiter (command): costs up to $0.25 per attempt and only $0.1 of the budget is left',
    ]);
  });
});
