import { describe, expect, it } from 'vitest';
import { validatePhaseTransition, type PhaseReadiness, type TransitionView } from '../../src/core/index.js';
import type { GateVerdict } from '../../src/core/governance/phases.js';
import { dispatched } from './given.js';
import { command, governed } from './governed.js';

function phased(
  gate?: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  steps: Record<string, Record<string, unknown>> = {},
) {
  return governed({
    baton: 1,
    name: 'phased',
    phases: ['build', { id: 'ship', ...(gate && { gate }) }],
    steps: {
      compile: { skill: 'work', phase: 'build' },
      deploy: { skill: 'work', phase: 'ship', after: ['compile'] },
      ...steps,
    },
    ...extra,
  });
}

describe('phases: approval gate', () => {
  it('keeps the next phase closed until a person approves, then opens it', () => {
    const run = phased({ approval: true });
    expect(run.all('phase.opened')).toEqual([{ phase: 'build', from: null, reason: '"build" has no gate' }]);
    const made = run.succeed('compile/a1');
    expect(run.types(made)).toEqual(['step.succeeded', 'phase.transition_denied', 'decision.requested']);
    expect(run.all('phase.transition_denied', made)).toEqual([
      {
        from: 'build',
        to: 'ship',
        reason: 'the gate of "ship" is waiting for approval: "ship" needs a person\'s approval',
      },
    ]);
    expect(run.all('decision.requested', made)[0]).toMatchObject({
      id: 'gate:ship',
      kind: 'gate',
      step: null,
      phase: 'ship',
    });
    expect(run.advance(3_600_000)).toEqual([]);
    expect(run.state.steps.deploy?.status).toBe('ready');
    const opened = run.approve('gate:ship', 'looks good');
    expect(run.all('phase.opened', opened)).toEqual([
      { phase: 'ship', from: 'build', reason: '"build" is ready; approved by cli:alice: looks good' },
    ]);
    expect(dispatched(opened)).toEqual(['deploy/a1']);
    run.succeed('deploy/a1');
    expect(run.state.status).toBe('succeeded');
    run.expectFixpoint();
  });

  it('a denied gate denies the run', () => {
    const run = phased({ approval: true });
    run.succeed('compile/a1');
    const made = run.deny('gate:ship', 'not today');
    expect(made).toEqual([
      {
        type: 'run.denied',
        data: {
          reason: 'the gate of phase "ship" was denied by cli:alice: not today',
          decision: 'gate:ship',
          by: 'cli:alice',
        },
      },
    ]);
    expect(run.state.status).toBe('denied');
    expect(run.state.steps.deploy?.status).not.toBe('succeeded');
    run.expectFixpoint();
  });

  it('a gate on the first phase holds every step', () => {
    const run = governed({
      baton: 1,
      name: 'first',
      phases: [{ id: 'only', gate: { approval: true } }],
      steps: { a: { skill: 'work', phase: 'only' } },
    });
    expect(run.inflight()).toEqual([]);
    expect(run.pending()).toEqual(['gate:only']);
    expect(dispatched(run.approve('gate:only'))).toEqual(['a/a1']);
  });
});

describe('phases: evidence gate', () => {
  const evidence = { evidence: { artifacts: ['compile/app.tar'], checks: ['compile'] } };
  const artifact = { name: 'compile/app.tar', sha256: 'ab'.repeat(32), bytes: 10 };

  it('stays closed while the artifact is missing or not sealed, and opens once it is sealed', () => {
    const run = phased(evidence);
    const made = run.signal({
      type: 'attempt.succeeded',
      data: { attemptId: 'compile/a1', output: null, durationMs: 1, artifacts: [artifact] },
    });
    expect(run.all('phase.transition_denied', made)[0]?.reason).toBe(
      'the gate of "ship" is closed: artifact "compile/app.tar" is not sealed',
    );
    expect(run.pending()).toEqual(['gate:ship']);
    const sealed = run.signal({
      type: 'artifact.sealed',
      data: { artifact: 'compile/app.tar', sha256: artifact.sha256, by: 'cli:alice' },
    });
    expect(run.all('phase.opened', sealed)).toEqual([
      { phase: 'ship', from: 'build', reason: '"build" is ready; all evidence is present' },
    ]);
    expect(run.pending()).toEqual([]);
    expect(dispatched(sealed)).toEqual(['deploy/a1']);
    run.expectFixpoint();
  });

  it('names a missing artifact, and `seal: true` seals what the step wrote as it succeeds', () => {
    const missing = phased(evidence);
    expect(missing.all('phase.transition_denied', missing.succeed('compile/a1'))[0]?.reason).toBe(
      'the gate of "ship" is closed: artifact "compile/app.tar" does not exist',
    );

    const run = governed({
      baton: 1,
      name: 'sealed',
      phases: ['build', { id: 'ship', gate: evidence }],
      steps: {
        compile: { skill: 'work', phase: 'build', seal: true },
        deploy: { skill: 'work', phase: 'ship', after: ['compile'] },
      },
    });
    const made = run.signal({
      type: 'attempt.succeeded',
      data: { attemptId: 'compile/a1', output: null, durationMs: 1, artifacts: [artifact] },
    });
    expect(run.types(made)).toEqual([
      'step.succeeded',
      'step.sealed',
      'phase.opened',
      'step.routed',
      'attempt.dispatched',
    ]);
    run.expectFixpoint();
  });
});

describe('phases: policy gate', () => {
  const policy = (expression: string) => phased({ policy: expression }, { constraints: { budget_usd: 5 } });

  it('opens when the policy is true', () => {
    const run = policy('steps.compile.output.tests_passed && budget.remaining > 1.0');
    const made = run.succeed('compile/a1', { tests_passed: true });
    expect(run.all('phase.opened', made)[0]?.reason).toBe(
      '"build" is ready; policy `steps.compile.output.tests_passed && budget.remaining > 1.0` is true',
    );
  });

  it('stays closed when it is false, and when it cannot be evaluated (fail closed)', () => {
    const no = policy('steps.compile.output.tests_passed');
    expect(no.all('phase.transition_denied', no.succeed('compile/a1', { tests_passed: false }))[0]?.reason).toBe(
      'the gate of "ship" is closed: policy `steps.compile.output.tests_passed` is false',
    );
    expect(no.inflight()).toEqual([]);

    const broken = policy('steps.compile.output.tests_passed');
    const reason = broken.all('phase.transition_denied', broken.succeed('compile/a1', { other: 1 }))[0]?.reason;
    expect(reason).toMatch(
      /^the gate of "ship" is closed: policy `steps.compile.output.tests_passed` cannot be evaluated \(.*\), so the gate stays closed$/,
    );
    expect(broken.pending()).toEqual(['gate:ship']);
    // An operator may override a closed gate; the override is recorded as the reason.
    const opened = broken.approve('gate:ship', 'checked by hand');
    expect(broken.all('phase.opened', opened)[0]?.reason).toBe(
      '"build" is ready and the gate of "ship" is closed (overridden by cli:alice: checked by hand)',
    );
    broken.expectFixpoint();
  });
});

describe('phases: partial phases', () => {
  const partial = (onPartial: 'block' | 'continue') =>
    governed({
      baton: 1,
      name: 'partial',
      phases: ['build', { id: 'ship', on_partial: onPartial }],
      steps: {
        a: { skill: 'work', phase: 'build', on_failure: 'continue' },
        b: { skill: 'work', phase: 'build' },
        c: { skill: 'work', phase: 'ship' },
      },
    });

  it('blocks the next phase by default and asks an operator', () => {
    const run = partial('block');
    run.fail('a/a1', 'x', false);
    const made = run.succeed('b/a1');
    expect(run.all('phase.transition_denied', made)[0]?.reason).toBe(
      'phase "build" is partial (some steps failed) and "ship" has on_partial: block',
    );
    expect(run.pending()).toEqual(['gate:ship']);
    expect(dispatched(run.approve('gate:ship'))).toEqual(['c/a1']);
  });

  it('opens it anyway with on_partial: continue', () => {
    const run = partial('continue');
    run.fail('a/a1', 'x', false);
    expect(dispatched(run.succeed('b/a1'))).toEqual(['c/a1']);
  });
});

describe('phases: check and builds', () => {
  const infra = () =>
    governed({
      baton: 1,
      name: 'infra',
      capabilities: { server: command({ serve: 1 }), probe: command({ probe: 1 }) },
      phases: ['infrastructure', { id: 'execution', gate: { evidence: { checks: ['setup'] } } }],
      steps: {
        setup: {
          skill: 'work',
          phase: 'infrastructure',
          builds: ['serve'],
          check: { capability: 'probe', input: { url: '{{ steps.setup.output.url }}' } },
        },
        other: { skill: 'work', phase: 'infrastructure' },
        early: { skill: 'serve', phase: 'infrastructure', after: { any: ['other', 'setup'] } },
        use: { skill: 'serve', phase: 'execution', after: ['setup'] },
      },
    });

  it("a built skill is not routable until its builder's check passed", () => {
    const run = infra();
    const early = run.succeed('other/a1');
    // `early` may start after `other`, but nothing can serve before `setup` is proven: it waits.
    expect(run.all('step.routed', early)).toEqual([]);
    expect(run.pending()).toEqual([]);
    const checking = run.succeed('setup/a1', { url: 'http://x' });
    expect(dispatched(checking)).toEqual(['setup/check/a1']);
    expect(run.all('attempt.dispatched', checking)[0]).toMatchObject({
      capability: 'probe',
      role: 'check',
      input: { url: 'http://x' },
    });
    expect(run.state.steps.setup?.status).toBe('running');
    const proven = run.succeed('setup/check/a1', { ok: true });
    expect(run.all('step.succeeded', proven)).toEqual([{ step: 'setup', output: { url: 'http://x' } }]);
    expect(run.all('step.routed', proven).map((route) => [route.step, route.capability])).toEqual([
      ['early', 'server'],
    ]);
    run.succeed('early/a1');
    expect(run.all('step.routed', run.decisions).map((route) => route.step)).toContain('use');
    run.expectFixpoint();
  });

  it('a failed check fails the step as check_failed, and keeps the next phase closed', () => {
    const run = infra();
    run.succeed('setup/a1', { url: 'http://x' });
    const made = run.fail('setup/check/a1', 'connection refused');
    expect(run.state.steps.setup?.error).toMatchObject({ type: 'check_failed', message: 'check: connection refused' });
    expect(run.all('phase.opened', made)).toEqual([]);
    expect(run.state.status).toBe('failed');
  });
});

describe('validatePhaseTransition', () => {
  const open: GateVerdict = { status: 'open', reason: 'no gate' };
  const closed: GateVerdict = { status: 'closed', reason: 'artifact "x" is not sealed' };
  const view = (
    readiness: PhaseReadiness,
    gate: GateVerdict = open,
    onPartial: 'block' | 'continue' = 'block',
  ): TransitionView => ({
    phases: [
      { id: 'infra', readiness, onPartial: 'block', gate: open },
      { id: 'exec', readiness: 'needed', onPartial, gate },
      { id: 'report', readiness: 'needed', onPartial: 'block', gate: open },
    ],
  });
  const alice = { approvedBy: 'alice', comment: 'ok' };

  it.each([
    ['ready, gate open', view('ready'), 'infra', 'exec', undefined, true, '"infra" is ready; no gate'],
    ['still building', view('building'), 'infra', 'exec', undefined, false, 'phase "infra" is not complete (building)'],
    ['not started', view('needed'), 'infra', 'exec', alice, false, 'phase "infra" is not complete (needed)'],
    [
      'backwards',
      view('ready'),
      'exec',
      'infra',
      alice,
      false,
      'phases only move forward ("infra" comes before "exec"); to redo work, revise or revert the plan',
    ],
    [
      'to itself',
      view('ready'),
      'infra',
      'infra',
      undefined,
      false,
      '"infra" is already open: a phase opens once; to redo work, revise or revert the plan',
    ],
    [
      'skipping',
      view('ready'),
      'infra',
      'report',
      alice,
      false,
      '"report" cannot open before "exec": phases open in order (infra -> exec -> report)',
    ],
    [
      'unknown phase',
      view('ready'),
      'infra',
      'deploy',
      undefined,
      false,
      'unknown phase "deploy"; phases: infra, exec, report',
    ],
    [
      'partial, block',
      view('partial'),
      'infra',
      'exec',
      undefined,
      false,
      'phase "infra" is partial (some steps failed) and "exec" has on_partial: block',
    ],
    [
      'partial, continue',
      view('partial', open, 'continue'),
      'infra',
      'exec',
      undefined,
      true,
      '"infra" is partial; no gate',
    ],
    [
      'partial, overridden',
      view('partial'),
      'infra',
      'exec',
      alice,
      true,
      '"infra" is partial and the gate of "exec" is open (overridden by alice: ok)',
    ],
    [
      'failed',
      view('failed', open, 'continue'),
      'infra',
      'exec',
      undefined,
      false,
      'phase "infra" failed: every step in it failed',
    ],
    [
      'failed, overridden',
      view('failed'),
      'infra',
      'exec',
      alice,
      true,
      '"infra" is failed and the gate of "exec" is open (overridden by alice: ok)',
    ],
    [
      'gate closed',
      view('ready', closed),
      'infra',
      'exec',
      undefined,
      false,
      'the gate of "exec" is closed: artifact "x" is not sealed',
    ],
    [
      'gate closed, overridden',
      view('ready', closed),
      'infra',
      'exec',
      alice,
      true,
      '"infra" is ready and the gate of "exec" is closed (overridden by alice: ok)',
    ],
    [
      'waiting for approval',
      view('ready', { status: 'approval', reason: 'needs a yes' }),
      'infra',
      'exec',
      undefined,
      false,
      'the gate of "exec" is waiting for approval: needs a yes',
    ],
  ] as const)('%s', (_name, transitionView, from, to, escalation, allowed, reason) => {
    expect(validatePhaseTransition(transitionView, from, to, escalation)).toEqual({ allowed, reason });
  });
});
