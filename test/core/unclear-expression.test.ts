import { describe, expect, it } from 'vitest';
import { dispatched, plan } from './given.js';
import { governed } from './governed.js';

/** `second` reads a field that `first`'s output does not have: the expression cannot be evaluated. */
function riskPlan(second: Record<string, unknown>): unknown {
  return plan({
    first: {},
    second: { after: ['first'], when: 'steps.first.output.risk > 3', ...second },
    third: { after: ['second'] },
  });
}

describe('conductor: an expression that cannot be evaluated waits for a person', () => {
  it('escalates a `when` on a missing field with `on_failure: escalate`, the evaluation error as the reason, and the run goes on waiting', () => {
    const run = governed(riskPlan({ on_failure: 'escalate' }));
    const made = run.succeed('first/a1', { score: 1 });
    expect(run.types(made)).toEqual(['step.succeeded', 'decision.requested']);
    const [request] = run.all('decision.requested', made);
    expect(request).toMatchObject({
      id: 'escalation:second',
      kind: 'escalation',
      step: 'second',
      detail: { error: { type: 'expression', retryable: false }, retry: [] },
    });
    expect(request?.reason).toMatch(
      /^cannot evaluate an expression of "second": when `steps.first.output.risk > 3`: .*risk/,
    );
    expect(run.state.status).toBe('running');
    expect(run.state.steps.second?.status).toBe('escalated');
    run.expectFixpoint();
  });

  it('escalates by default too (no `on_failure`): Baton does not guess', () => {
    const run = governed(riskPlan({}));
    run.succeed('first/a1', { score: 1 });
    expect(run.pending()).toEqual(['escalation:second']);
    expect(run.types()).not.toContain('run.failed');
  });

  it('goes on once a person answers: a submitted result is the output, and its dependents run', () => {
    const run = governed(riskPlan({}));
    run.succeed('first/a1', { score: 1 });
    const made = run.submit('escalation:second', { risk: 'low' });
    expect(run.all('step.succeeded', made)).toEqual([{ step: 'second', output: { risk: 'low' } }]);
    expect(dispatched(made)).toEqual(['third/a1']);
    run.expectFixpoint();
  });

  it('asks again when approved (the expression is evaluated again), and fails the run when denied', () => {
    const run = governed(riskPlan({}));
    run.succeed('first/a1', { score: 1 });
    expect(run.all('decision.requested', run.approve('escalation:second')).map((request) => request.id)).toEqual([
      'escalation:second',
    ]);
    run.deny('escalation:second', 'the plan is wrong');
    expect(run.state.status).toBe('denied');
  });

  it('escalates a `for_each` that gives no list and an input template that cannot be rendered, retrying that instance on approval', () => {
    const loop = governed(
      plan({ first: {}, fan: { after: ['first'], for_each: 'steps.first.output.items', input: '{{ item }}' } }),
    );
    loop.succeed('first/a1', { items: 7 });
    expect(loop.all('decision.requested').at(-1)?.reason).toBe(
      'cannot evaluate an expression of "fan": for_each `steps.first.output.items` must give a list, got 7',
    );

    const input = governed(
      plan({ first: {}, second: { after: ['first'], input: '{{ steps.first.output.name.size() }}' } }),
    );
    input.succeed('first/a1', {});
    const [request] = input.all('decision.requested');
    expect(request).toMatchObject({ id: 'escalation:second', detail: { retry: ['second'] } });
    expect(request?.reason).toMatch(/^cannot evaluate an expression of "second": input: /);
    input.expectFixpoint();
  });

  it('fails the step as the plan says with `on_failure: continue` (the run goes on) or `on_failure: fail` (the run fails)', () => {
    const goesOn = governed(riskPlan({ on_failure: 'continue' }));
    const made = goesOn.succeed('first/a1', { score: 1 });
    expect(goesOn.all('step.failed', made)).toMatchObject([
      { step: 'second', error: { type: 'expression', retryable: false } },
    ]);
    expect(dispatched(made)).toEqual(['third/a1']);

    const fails = governed(riskPlan({ on_failure: 'fail' }));
    fails.succeed('first/a1', { score: 1 });
    expect(fails.state.status).toBe('failed');
    expect(fails.pending()).toEqual([]);
  });

  it('escalates an attempt that failed on its command argument template, and runs it again on approval', () => {
    const run = governed(plan({ a: {} }));
    const made = run.signal({
      type: 'attempt.failed',
      data: {
        attemptId: 'a/a1',
        error: { type: 'expression', message: 'command argument: No such key: path', retryable: false },
        durationMs: 1,
      },
    });
    const [request] = run.all('decision.requested', made);
    expect(request).toMatchObject({
      id: 'escalation:a',
      reason: 'cannot evaluate an expression of "a": command argument: No such key: path',
      detail: { retry: ['a'] },
    });
    expect(dispatched(run.approve('escalation:a'))).toEqual(['a/a2']);
    run.expectFixpoint();
  });
});
