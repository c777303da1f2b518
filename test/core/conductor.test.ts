import { describe, expect, it } from 'vitest';
import { nextWakeAt } from '../../src/core/index.js';
import { dispatched, given, plan } from './given.js';

describe('conductor: sequence and parallel split', () => {
  it('dispatches roots first, then each step after its dependencies succeed', () => {
    const run = given(plan({ a: {}, b: { after: ['a'] }, c: { after: ['a'] }, d: { after: ['b', 'c'] } }));
    expect(dispatched(run.decisions)).toEqual(['a/a1']);
    expect(dispatched(run.succeed('a/a1', 1))).toEqual(['b/a1', 'c/a1']);
    expect(dispatched(run.succeed('b/a1'))).toEqual([]);
    const last = run.succeed('c/a1');
    expect(dispatched(last)).toEqual(['d/a1']);
    expect(run.types(run.succeed('d/a1', 'done'))).toEqual(['step.succeeded', 'run.succeeded']);
    expect(run.state.status).toBe('succeeded');
  });

  it('records every routing decision with its candidates before dispatching', () => {
    const run = given({
      baton: 1,
      name: 'routes',
      capabilities: {
        weak: { kind: 'command', command: ['true'], skills: { build: 0.4 } },
        strong: { kind: 'command', command: ['true'], skills: { build: 0.9 } },
      },
      steps: { a: { skill: 'build' } },
    });
    const routed = run.decisions.find((event) => event.type === 'step.routed');
    expect(routed?.data).toMatchObject({ capability: 'strong', skill: 'build' });
    expect(routed?.type === 'step.routed' && routed.data.candidates.map((c) => [c.capability, c.chosen])).toEqual([
      ['strong', true],
      ['weak', false],
    ]);
    expect(run.types()).toEqual(['step.routed', 'attempt.dispatched']);
  });

  it('renders inputs from upstream outputs and run inputs', () => {
    const run = given(
      plan(
        {
          a: {},
          b: { after: ['a'], input: { sum: '{{ steps.a.output.n + inputs.k }}', text: 'n={{ steps.a.output.n }}' } },
        },
        { inputs: { k: { type: 'integer', default: 2 } } },
      ),
      { k: 5 },
    );
    const next = run.succeed('a/a1', { n: 3 });
    const dispatch = next.find((event) => event.type === 'attempt.dispatched');
    expect(dispatch?.data).toMatchObject({ attemptId: 'b/a1', input: { sum: 8, text: 'n=3' } });
  });
});

describe('conductor: conditions and dead-path elimination', () => {
  const branches = plan({
    check: {},
    yes: { after: ['check'], when: 'steps.check.output.ok' },
    no: { after: ['check'], when: '!steps.check.output.ok' },
    after_yes: { after: ['yes'] },
    merge: { after: { any: ['after_yes', 'no'] } },
    sync: { after: ['after_yes', 'no'] },
  });

  it('skips the branch whose condition is false and everything only it feeds', () => {
    const run = given(branches);
    const made = run.succeed('check/a1', { ok: false });
    expect(made.filter((e) => e.type === 'step.skipped').map((e) => e.data.step)).toEqual(['yes', 'after_yes']);
    expect(dispatched(made)).toEqual(['no/a1']);
    const end = run.succeed('no/a1');
    expect(dispatched(end)).toEqual(['merge/a1', 'sync/a1']);
  });

  it('skips a join whose dependencies were all skipped, with the reason', () => {
    const run = given(plan({ a: { when: 'false' }, b: { after: ['a'] }, c: {} }));
    const skipped = run.decisions.filter((e) => e.type === 'step.skipped');
    expect(skipped.map((e) => e.type === 'step.skipped' && [e.data.step, e.data.reason])).toEqual([
      ['a', 'when `false` is false'],
      ['b', 'all of its upstream steps (a) were skipped'],
    ]);
    run.succeed('c/a1');
    expect(run.state.status).toBe('succeeded');
  });

  it('holds a step for a person when its condition is not a boolean, and fails it closed with `on_failure: fail`', () => {
    const inputs = { inputs: { x: { type: 'string', default: 'yes' } } };
    const held = given(plan({ a: { when: 'inputs.x' } }, inputs), { x: 'yes' });
    const request = held.decisions.find((e) => e.type === 'decision.requested');
    expect(request?.data).toMatchObject({
      id: 'escalation:a',
      reason: 'cannot evaluate an expression of "a": when `inputs.x`: must be true or false, got "yes"',
    });
    expect(held.state.status).toBe('running');
    const run = given(plan({ a: { when: 'inputs.x', on_failure: 'fail' } }, inputs), { x: 'yes' });
    const failed = run.decisions.find((e) => e.type === 'step.failed');
    expect(failed?.type === 'step.failed' && failed.data.error).toMatchObject({ type: 'expression', retryable: false });
    expect(run.state.status).toBe('failed');
  });
});

describe('conductor: N-of-M and first-of joins', () => {
  it('starts a count join on the Nth completion and does not start it again', () => {
    const run = given(plan({ a: {}, b: {}, c: {}, two: { after: { count: 2, of: ['a', 'b', 'c'] } } }));
    expect(dispatched(run.succeed('a/a1'))).toEqual([]);
    expect(dispatched(run.succeed('c/a1'))).toEqual(['two/a1']);
    expect(dispatched(run.succeed('b/a1'))).toEqual([]);
    run.succeed('two/a1');
    expect(run.state.status).toBe('succeeded');
  });

  it('skips a count join that can no longer reach its number', () => {
    const run = given(
      plan({ a: { when: 'false' }, b: { when: 'false' }, c: {}, two: { after: { count: 2, of: ['a', 'b', 'c'] } } }),
    );
    const skip = run.decisions.find((e) => e.type === 'step.skipped' && e.data.step === 'two');
    expect(skip?.type === 'step.skipped' && skip.data.reason).toMatch(/needs 2 of a, b, c.*2 of 3 were skipped/);
  });

  it('starts a first-of join on the first completion', () => {
    const run = given(plan({ a: {}, b: {}, first: { after: { any: ['a', 'b'] } } }));
    expect(dispatched(run.succeed('b/a1'))).toEqual(['first/a1']);
  });
});

describe('conductor: for_each', () => {
  const fan = plan({
    list: {},
    each: {
      after: ['list'],
      for_each: 'steps.list.output',
      concurrency: 2,
      input: { n: '{{ item * 10 }}', i: '{{ index }}' },
    },
    sum: { after: ['each'] },
  });

  it('expands a list into instances and keeps within the concurrency', () => {
    const run = given(fan);
    const made = run.succeed('list/a1', [1, 2, 3]);
    expect(made.find((e) => e.type === 'step.expanded')?.data).toEqual({ step: 'each', items: [1, 2, 3] });
    expect(dispatched(made)).toEqual(['each[0]/a1', 'each[1]/a1']);
    const input = made.find((e) => e.type === 'attempt.dispatched' && e.data.attemptId === 'each[1]/a1');
    expect(input?.type === 'attempt.dispatched' && input.data.input).toEqual({ n: 20, i: 1 });
    expect(dispatched(run.succeed('each[1]/a1', 'b'))).toEqual(['each[2]/a1']);
    run.succeed('each[0]/a1', 'a');
    const end = run.succeed('each[2]/a1', 'c');
    expect(end.find((e) => e.type === 'step.succeeded')?.data).toEqual({ step: 'each', output: ['a', 'b', 'c'] });
    expect(dispatched(end)).toEqual(['sum/a1']);
  });

  it('keeps a due retry within the concurrency until a slot frees', () => {
    const run = given(
      plan({ each: { for_each: '[0, 1, 2, 3]', concurrency: 2, retry: { max: 1, backoff: '100ms' } } }),
    );
    expect(run.inflight()).toEqual(['each[0]/a1', 'each[1]/a1']);
    expect(dispatched(run.fail('each[0]/a1'))).toEqual(['each[2]/a1']);
    expect(dispatched(run.advance(100))).toEqual([]);
    expect(run.inflight()).toHaveLength(2);
    expect(nextWakeAt(run.state)).toBeNull();
    expect(dispatched(run.succeed('each[1]/a1'))).toEqual(['each[0]/a2']);
    expect(run.inflight()).toHaveLength(2);
  });

  it('succeeds at once on an empty list', () => {
    const run = given(fan);
    const made = run.succeed('list/a1', []);
    expect(made.find((e) => e.type === 'step.succeeded' && e.data.step === 'each')?.data).toEqual({
      step: 'each',
      output: [],
    });
    expect(dispatched(made)).toEqual(['sum/a1']);
  });

  it('holds the step for a person when for_each is not a list', () => {
    const run = given(fan);
    run.succeed('list/a1', { not: 'a list' });
    expect(run.state.pending.get('escalation:each')?.reason).toMatch(/must give a list/);
    expect(run.state.steps.each?.status).toBe('escalated');
  });
});

describe('conductor: retry and failure', () => {
  it('retries with exponential backoff, then fails the run', () => {
    const run = given(plan({ a: { retry: { max: 2, backoff: '1s' } }, b: {} }));
    const first = run.fail('a/a1');
    expect(first.find((e) => e.type === 'attempt.retry_scheduled')?.data).toMatchObject({
      delayMs: 1000,
      retry: 1,
      of: 2,
    });
    expect(dispatched(run.advance(999))).toEqual([]);
    expect(dispatched(run.advance(1))).toEqual(['a/a2']);
    expect(run.fail('a/a2').find((e) => e.type === 'attempt.retry_scheduled')?.data).toMatchObject({ delayMs: 2000 });
    expect(dispatched(run.advance(2000))).toEqual(['a/a3']);
    const end = run.fail('a/a3', 'still broken');
    expect(run.types(end)).toEqual(['step.failed', 'attempt.cancelled', 'run.failed']);
    expect(end.find((e) => e.type === 'attempt.cancelled')?.data).toMatchObject({ attemptId: 'b/a1' });
    expect(run.state.failure).toBe('step "a" failed: still broken (after 3 attempts)');
  });

  it("waits at least a failure's retryAfterMs (a provider's retry-after) before the retry", () => {
    const run = given(plan({ a: { retry: { max: 2, backoff: '1s' } } }));
    const rateLimited = (attemptId: string, retryAfterMs: number) =>
      run.signal({
        type: 'attempt.failed',
        data: {
          attemptId,
          error: { type: 'rate_limited', message: '429', retryable: true, retryAfterMs },
          durationMs: 1,
        },
      });
    expect(rateLimited('a/a1', 5_000).find((e) => e.type === 'attempt.retry_scheduled')?.data).toMatchObject({
      delayMs: 5_000,
    });
    expect(dispatched(run.advance(4_999))).toEqual([]);
    expect(dispatched(run.advance(1))).toEqual(['a/a2']);
    // A shorter retry-after than the backoff leaves the backoff (2s for the second retry).
    expect(rateLimited('a/a2', 500).find((e) => e.type === 'attempt.retry_scheduled')?.data).toMatchObject({
      delayMs: 2_000,
    });
  });

  it('does not retry an error that is not retryable', () => {
    const run = given(plan({ a: { retry: { max: 3 } } }));
    expect(run.types(run.fail('a/a1', 'bad input', false))).toEqual(['step.failed', 'run.failed']);
  });

  it('lets the run go on past a step that may fail', () => {
    const run = given(plan({ a: { on_failure: 'continue' }, b: { after: ['a'], when: "steps.a.status == 'failed'" } }));
    expect(dispatched(run.fail('a/a1'))).toEqual(['b/a1']);
    run.succeed('b/a1');
    expect(run.state.status).toBe('succeeded');
    expect(run.decisions.at(-1)?.data).toEqual({ succeeded: 1, skipped: 0, failed: 1 });
  });

  it('records a result from an attempt that is no longer current as rejected', () => {
    const run = given(plan({ a: { retry: { max: 1 } } }));
    run.signal({ type: 'attempt.abandoned', data: { attemptId: 'a/a1', reason: 'engine restarted' } });
    expect(run.inflight()).toEqual(['a/a2']);
    const late = run.succeed('a/a1', 'late');
    expect(late).toEqual([
      { type: 'attempt.rejected', data: { attemptId: 'a/a1', reason: expect.stringMatching(/no longer current/) } },
    ]);
    run.succeed('a/a2', 'accepted');
    expect(run.state.steps.a?.output).toBe('accepted');
  });
});

describe('conductor: inputs in expressions', () => {
  it('keeps a number input a double even when it is whole, so it mixes with fractions', () => {
    const run = given(
      plan({ a: { input: '{{ inputs.price * 1.5 }}' } }, { inputs: { price: { type: 'number', default: 2 } } }),
      { price: 2 },
    );
    expect(run.decisions.find((e) => e.type === 'attempt.dispatched')?.data).toMatchObject({ input: 3 });
  });
});

describe('conductor: run failure', () => {
  it('marks steps that were running when the run failed as cancelled', () => {
    const run = given(plan({ a: {}, b: {} }));
    run.fail('a/a1', 'broken', false);
    expect(run.state.steps.b?.status).toBe('cancelled');
    expect(run.state.steps.a?.status).toBe('failed');
  });

  it('counts every attempt of a step, over retries and iterations', () => {
    const run = given(plan({ poll: { repeat: { until: 'iteration == 2', max: 3 }, retry: { max: 1 } } }));
    run.fail('poll/a1');
    run.advance(0);
    run.succeed('poll/a2');
    run.succeed('poll/i2/a1');
    expect(run.state.steps.poll).toMatchObject({ status: 'succeeded', attempts: 3 });
  });
});

describe('conductor: repeat', () => {
  it('repeats until the condition on its own output holds', () => {
    const run = given(
      plan({
        poll: {
          repeat: { until: 'steps.poll.output >= 3', max: 5 },
          input: { last: '{{ steps.poll.output }}', i: '{{ iteration }}' },
        },
      }),
    );
    expect(dispatched(run.succeed('poll/a1', 1))).toEqual(['poll/i2/a1']);
    const third = run.succeed('poll/i2/a1', 2);
    expect(third.find((e) => e.type === 'attempt.dispatched')?.data).toMatchObject({
      attemptId: 'poll/i3/a1',
      iteration: 3,
      input: { last: 2, i: 3 },
    });
    expect(run.types(run.succeed('poll/i3/a1', 3))).toEqual(['step.succeeded', 'run.succeeded']);
  });

  it('fails when the condition never holds within max iterations', () => {
    const run = given(plan({ poll: { repeat: { until: 'false', max: 2 } } }));
    run.succeed('poll/a1');
    run.succeed('poll/i2/a1');
    expect(run.state.steps.poll?.error).toMatchObject({ type: 'repeat_exhausted' });
  });
});
