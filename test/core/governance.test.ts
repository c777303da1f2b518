import { describe, expect, it } from 'vitest';
import { dispatched } from './given.js';
import { command, dispatchedData, governed, type Governed } from './governed.js';

/** After every signal, money spent plus money reserved stays within the budget. */
function withinBudget(run: Governed, act: () => unknown): void {
  act();
  const { limitUsd, spentUsd, reservedUsd } = run.state.budget;
  expect(spentUsd + reservedUsd).toBeLessThanOrEqual((limitUsd ?? Infinity) + 1e-9);
}

describe('governance: budget', () => {
  const paid = {
    baton: 1,
    name: 'budget',
    capabilities: { gpt: command({ gen: 1 }, { cost_usd: 0.4 }) },
    constraints: { budget_usd: 1 },
    steps: { a: { skill: 'gen', retry: { max: 1 } }, b: { skill: 'gen' }, c: { skill: 'gen' } },
  };

  it('reserves the worst case before dispatch, so parallel steps and retries never pass the budget', () => {
    const run = governed(paid);
    // Two attempts fit ($0.80 reserved); the third would reach $1.20: it waits for a reservation to settle.
    expect(dispatchedData(run.decisions).map((d) => [d.attemptId, d.reservedUsd])).toEqual([
      ['a/a1', 0.4],
      ['b/a1', 0.4],
    ]);
    expect(run.state.budget).toEqual({ limitUsd: 1, spentUsd: 0, reservedUsd: 0.8 });
    expect(run.pending()).toEqual([]);
    // a fails having cost $0.40; its retry would need $0.40 more: 0.4 spent + 0.4 reserved + 0.4 > 1, so it waits.
    withinBudget(run, () =>
      expect(
        dispatched(
          run.signal({
            type: 'attempt.failed',
            data: {
              attemptId: 'a/a1',
              error: { type: 'exit_code', message: 'boom', retryable: true },
              durationMs: 1,
              costUsd: 0.4,
            },
          }),
        ),
      ).toEqual([]),
    );
    // b reports $0.10: now 0.5 spent, and one more attempt fits.
    withinBudget(run, () =>
      expect(
        dispatched(
          run.signal({
            type: 'attempt.succeeded',
            data: { attemptId: 'b/a1', output: 'ok', durationMs: 1, costUsd: 0.1 },
          }),
        ),
      ).toEqual(['a/a2']),
    );
    expect(run.state.budget).toMatchObject({ spentUsd: 0.5, reservedUsd: 0.4 });
    // a's retry settles at its reserved worst case (no cost reported): 0.9 spent; c can never fit.
    let made: ReturnType<Governed['succeed']> = [];
    withinBudget(run, () => (made = run.succeed('a/a2')));
    expect(dispatched(made)).toEqual([]);
    const [escalation] = run.all('decision.requested', made);
    expect(escalation).toMatchObject({
      id: 'escalation:c',
      kind: 'escalation',
      step: 'c',
      reason: 'budget: $0.9 spent + $0.4 for this attempt on "gpt" would exceed the run\'s budget of $1',
      detail: { limit: 1, spent: 0.9, reserved: 0, needed: 0.4, retry: ['c'] },
    });
    expect(run.state.steps.c?.status).toBe('escalated');
    expect(run.state.budget.spentUsd).toBeCloseTo(0.9);
    run.expectFixpoint();
  });

  it('escalates a retry that can never fit, and asks again rather than overspend when approved', () => {
    const run = governed({
      ...paid,
      constraints: { budget_usd: 0.5 },
      steps: { a: { skill: 'gen', retry: { max: 2 } } },
    });
    withinBudget(run, () => run.fail('a/a1'));
    expect(run.pending()).toEqual(['escalation:a']);
    expect(run.state.pending.get('escalation:a')?.reason).toMatch(
      /\$0.4 spent \+ \$0.4 .* exceed the run's budget of \$0.5/,
    );
    withinBudget(run, () => expect(dispatched(run.approve('escalation:a'))).toEqual([]));
    expect(run.pending()).toEqual(['escalation:a']);
    const denied = run.deny('escalation:a', 'out of money');
    expect(run.types(denied)).toEqual(['step.failed', 'run.denied']);
    expect(run.state.steps.a?.error).toMatchObject({
      type: 'denied',
      message: 'escalation denied by cli:alice: out of money',
    });
    run.expectFixpoint();
  });

  it('keeps a step within its own budget', () => {
    const run = governed({
      ...paid,
      constraints: undefined,
      steps: { a: { skill: 'gen', retry: { max: 3 }, constraints: { budget_usd: 0.8 } } },
    });
    run.fail('a/a1');
    run.advance(0);
    run.fail('a/a2');
    expect(run.pending()).toEqual(['escalation:a']);
    expect(run.state.pending.get('escalation:a')?.reason).toBe(
      'budget: step "a" has used $0.8 and $0.4 more would exceed its budget of $0.8',
    );
    expect(run.state.pending.get('escalation:a')?.detail).toEqual({ limit: 0.8, used: 0.8, needed: 0.4, retry: ['a'] });
    expect(run.state.budget.spentUsd).toBeCloseTo(0.8);
  });
});

describe('governance: max_parallel', () => {
  it('never has more attempts in flight than max_parallel, and fills each slot as it frees', () => {
    const run = governed({
      baton: 1,
      name: 'p',
      constraints: { max_parallel: 2 },
      steps: {
        a: { skill: 'work' },
        b: { skill: 'work' },
        c: { skill: 'work' },
        d: { skill: 'work', for_each: '[1, 2]' },
      },
    });
    expect(run.inflight()).toEqual(['a/a1', 'b/a1']);
    expect(dispatched(run.succeed('b/a1'))).toEqual(['c/a1']);
    expect(run.inflight()).toHaveLength(2);
    expect(dispatched(run.succeed('a/a1'))).toEqual(['d[0]/a1']);
    expect(dispatched(run.succeed('c/a1'))).toEqual(['d[1]/a1']);
    run.succeed('d[0]/a1');
    run.succeed('d[1]/a1');
    expect(run.state.status).toBe('succeeded');
    run.expectFixpoint();
  });
});

describe('governance: allow-list and permissions', () => {
  const caps = {
    fetcher: command({ fetch: 0.9 }, { permissions: ['network'] }),
    person: { kind: 'human', skills: { fetch: 0.5 } },
  };

  it("escalates, naming each candidate's reason, when no allowed and permitted capability offers the skill", () => {
    const run = governed({
      baton: 1,
      name: 'deny',
      capabilities: caps,
      constraints: { allow: ['command', 'function'] },
      steps: { get: { skill: 'fetch' } },
    });
    const [request] = run.all('decision.requested');
    expect(request).toMatchObject({
      id: 'escalation:get',
      reason: 'no capability can take "get": 0 of 2 capabilities offering "fetch" are allowed, and the step needs 1',
    });
    expect((request?.detail as { candidates: unknown[] }).candidates).toEqual([
      {
        capability: 'fetcher',
        kind: 'command',
        strength: 0.9,
        chosen: false,
        reason: 'needs permission "network", which the run does not grant',
      },
      {
        capability: 'person',
        kind: 'human',
        strength: 0.5,
        chosen: false,
        reason: 'kind "human" is not allowed (allow: command, function)',
      },
    ]);
    expect(run.inflight()).toEqual([]);
  });

  it('routes to a capability once the run grants what it needs, and a step can narrow the grant', () => {
    const run = governed({
      baton: 1,
      name: 'grant',
      capabilities: caps,
      constraints: { permissions: ['network'] },
      steps: { get: { skill: 'fetch' }, offline: { skill: 'fetch', constraints: { permissions: [] } } },
    });
    expect(run.all('step.routed').map((route) => [route.step, route.capability])).toEqual([
      ['get', 'fetcher'],
      ['offline', 'person'],
    ]);
  });
});

describe('governance: confirmation', () => {
  const confirmed = (extra: Record<string, unknown> = {}) =>
    governed({
      baton: 1,
      name: 'c',
      constraints: { confirm: ['deploy'] },
      steps: {
        build: { skill: 'work' },
        deploy: { skill: 'work', after: ['build'], ...extra },
        notify: { skill: 'work', after: ['deploy'] },
      },
    });

  it('holds a step until a person says yes', () => {
    const run = confirmed();
    const made = run.succeed('build/a1');
    expect(run.types(made)).toEqual(['step.succeeded', 'step.routed', 'decision.requested']);
    expect(run.all('decision.requested', made)[0]).toMatchObject({
      id: 'confirm:deploy',
      kind: 'confirm',
      step: 'deploy',
      reason: '"deploy" needs a person\'s yes before it is dispatched to "fn"',
    });
    expect(run.state.steps.deploy?.status).toBe('awaiting');
    expect(run.advance(60_000)).toEqual([]);
    expect(dispatched(run.approve('confirm:deploy'))).toEqual(['deploy/a1']);
    run.succeed('deploy/a1');
    run.succeed('notify/a1');
    expect(run.state.status).toBe('succeeded');
    run.expectFixpoint();
  });

  it('a step can ask for confirmation itself', () => {
    const run = governed({ baton: 1, name: 'c', steps: { risky: { skill: 'work', confirm: true } } });
    expect(run.pending()).toEqual(['confirm:risky']);
    expect(run.inflight()).toEqual([]);
  });

  it('a denied confirmation fails the step as denied, and the run is denied', () => {
    const run = confirmed();
    run.succeed('build/a1');
    const made = run.deny('confirm:deploy', 'not on a Friday');
    expect(run.types(made)).toEqual(['step.failed', 'run.denied']);
    expect(run.state.steps.deploy?.error).toEqual({
      type: 'denied',
      message: 'confirmation denied by cli:alice: not on a Friday',
      retryable: false,
    });
    expect(run.all('run.denied', made)[0]).toEqual({
      reason: 'step "deploy": confirmation denied by cli:alice: not on a Friday',
      decision: 'confirm:deploy',
      by: 'cli:alice',
    });
    expect(run.state.status).toBe('denied');
    run.expectFixpoint();
  });

  it('a denied confirmation of a step that may fail lets the run go on without it', () => {
    const run = confirmed({ on_failure: 'continue' });
    run.succeed('build/a1');
    const made = run.deny('confirm:deploy');
    expect(run.state.steps.deploy?.status).toBe('failed');
    expect(dispatched(made)).toEqual(['notify/a1']);
  });
});

describe('governance: on_failure escalate', () => {
  const plan = {
    baton: 1,
    name: 'e',
    steps: { a: { skill: 'work', on_failure: 'escalate', retry: { max: 1 } }, b: { skill: 'work', after: ['a'] } },
  };

  it('asks an operator after the retries are spent; approve tries again', () => {
    const run = governed(plan);
    run.fail('a/a1');
    run.advance(0);
    const made = run.fail('a/a2', 'still broken');
    expect(run.all('decision.requested', made)).toEqual([
      {
        id: 'escalation:a',
        kind: 'escalation',
        step: 'a',
        phase: 'main',
        reason: '"a" failed: still broken (after 2 attempts)',
        detail: {
          error: { type: 'exit_code', message: 'still broken (after 2 attempts)', retryable: true },
          retry: ['a'],
        },
        retry: { instances: ['a'] },
      },
    ]);
    expect(run.state.status).toBe('running');
    expect(dispatched(run.approve('escalation:a'))).toEqual(['a/a3']);
    expect(dispatched(run.succeed('a/a3'))).toEqual(['b/a1']);
    run.expectFixpoint();
  });

  it("submit supplies the step's output; deny fails the run as denied", () => {
    const run = governed(plan);
    run.fail('a/a1', 'x', false);
    const made = run.submit('escalation:a', { fixed: true });
    expect(run.all('step.succeeded', made)).toEqual([{ step: 'a', output: { fixed: true } }]);
    expect(dispatched(made)).toEqual(['b/a1']);
    run.expectFixpoint();

    const other = governed(plan);
    other.fail('a/a1', 'x', false);
    expect(other.types(other.deny('escalation:a'))).toEqual(['step.failed', 'run.denied']);
  });
});

describe('governance: human capability', () => {
  it('asks a person for the result, and the attempt that reports it with `by` completes the step', () => {
    const run = governed({
      baton: 1,
      name: 'h',
      capabilities: { reviewer: { kind: 'human', skills: { sign: 1 } } },
      steps: { sign: { skill: 'sign', input: { doc: 'x' } }, after_sign: { skill: 'work', after: ['sign'] } },
    });
    expect(run.types()).toEqual(['step.routed', 'attempt.dispatched', 'decision.requested']);
    expect(run.all('decision.requested')[0]).toMatchObject({
      id: 'human:sign',
      kind: 'human',
      step: 'sign',
      detail: { capability: 'reviewer', input: { doc: 'x' } },
    });
    const made = run.signal({
      type: 'attempt.succeeded',
      data: { attemptId: 'sign/a1', output: 'signed', durationMs: 5, by: 'cli:bob' },
    });
    expect(run.pending()).toEqual([]);
    expect(run.all('step.succeeded', made)).toEqual([{ step: 'sign', output: 'signed' }]);
    expect(dispatched(made)).toEqual(['after_sign/a1']);
    run.expectFixpoint();
  });
});

describe('governance: denying what waits', () => {
  it('a denied human task fails its step as denied and cancels the attempt', () => {
    const run = governed({
      baton: 1,
      name: 'h',
      capabilities: { reviewer: { kind: 'human', skills: { sign: 1 } } },
      steps: { sign: { skill: 'sign' } },
    });
    const made = run.deny('human:sign', 'will not sign');
    expect(run.types(made)).toEqual(['attempt.cancelled', 'step.failed', 'run.denied']);
    expect(run.state.steps.sign?.error?.message).toBe("person's task denied by cli:alice: will not sign");
    run.expectFixpoint();
  });

  it('a denied signal wait fails its step as denied', () => {
    const run = governed({ baton: 1, name: 's', steps: { wait: { await: { signal: 'go' } } } });
    run.deny('signal:wait');
    expect(run.state.steps.wait?.error).toEqual({
      type: 'denied',
      message: 'wait for a signal denied by cli:alice',
      retryable: false,
    });
    expect(run.state.status).toBe('denied');
  });
});

describe('governance: consensus', () => {
  const voting = (agree: 'all' | 'majority', n = 2, compare?: string) =>
    governed({
      baton: 1,
      name: 'v',
      capabilities: { r1: command({ review: 0.9 }), r2: command({ review: 0.8 }), r3: command({ review: 0.7 }) },
      steps: {
        review: { skill: 'review', consensus: { n, agree, ...(compare !== undefined && { compare }) } },
        next: { skill: 'work', after: ['review'] },
      },
    });

  it('runs the step on n distinct capabilities and takes the answer they agree on', () => {
    const run = voting('all');
    expect(run.all('step.routed')[0]).toMatchObject({ capability: 'r1', voters: ['r1', 'r2'] });
    expect(dispatchedData(run.decisions).map((d) => [d.attemptId, d.capability, d.role])).toEqual([
      ['review/v1/a1', 'r1', 'vote'],
      ['review/v2/a1', 'r2', 'vote'],
    ]);
    expect(run.succeed('review/v1/a1', { b: 2, a: 1 })).toEqual([]);
    const made = run.succeed('review/v2/a1', { a: 1, b: 2 });
    expect(run.all('consensus.reached', made)).toEqual([
      { step: 'review', output: { b: 2, a: 1 }, agreeing: ['r1', 'r2'], dissenting: [] },
    ]);
    expect(dispatched(made)).toEqual(['next/a1']);
    run.expectFixpoint();
  });

  it('a majority outvotes a dissenter', () => {
    const run = voting('majority', 3);
    run.succeed('review/v1/a1', 'yes');
    run.succeed('review/v2/a1', 'no');
    const made = run.succeed('review/v3/a1', 'yes');
    expect(run.all('consensus.reached', made)[0]).toMatchObject({
      output: 'yes',
      agreeing: ['r1', 'r3'],
      dissenting: ['r2'],
    });
  });

  it('compares with a CEL expression over a and b', () => {
    const run = voting('all', 2, 'a.score - b.score < 0.1 && b.score - a.score < 0.1');
    run.succeed('review/v1/a1', { score: 0.91 });
    expect(run.all('consensus.reached', run.succeed('review/v2/a1', { score: 0.95 }))).toHaveLength(1);
  });

  it('escalates a disagreement with the outputs side by side; approve runs the votes again', () => {
    const run = voting('all');
    run.succeed('review/v1/a1', 'ship it');
    const made = run.succeed('review/v2/a1', 'do not ship');
    expect(run.all('decision.requested', made)).toEqual([
      {
        id: 'escalation:review',
        kind: 'escalation',
        step: 'review',
        phase: 'main',
        reason:
          'contradiction in "review": the 2 capabilities gave 2 different answers (all must agree, the largest agreeing group is 1)',
        detail: {
          votes: [
            { capability: 'r1', output: 'ship it' },
            { capability: 'r2', output: 'do not ship' },
          ],
          retry: ['review/v1', 'review/v2'],
        },
        retry: { instances: ['review/v1', 'review/v2'] },
      },
    ]);
    expect(run.state.steps.review?.status).toBe('escalated');
    expect(dispatched(run.approve('escalation:review'))).toEqual(['review/v1/a2', 'review/v2/a2']);
    run.succeed('review/v1/a2', 'ship it');
    expect(run.all('step.succeeded', run.succeed('review/v2/a2', 'ship it'))).toEqual([
      { step: 'review', output: 'ship it' },
    ]);
    run.expectFixpoint();
  });

  it('a person can settle a disagreement by submitting the output', () => {
    const run = voting('all');
    run.succeed('review/v1/a1', 'ship it');
    run.succeed('review/v2/a1', 'do not ship');
    const made = run.submit('escalation:review', 'ship it, carefully');
    expect(run.all('step.succeeded', made)).toEqual([{ step: 'review', output: 'ship it, carefully' }]);
    expect(dispatched(made)).toEqual(['next/a1']);
    run.expectFixpoint();
  });
});
