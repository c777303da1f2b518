import { describe, expect, it } from 'vitest';
import {
  prerequisitesDue,
  riskRegister,
  type BatonEvent,
  type Plan,
  type PrerequisiteCheck,
} from '../../src/core/index.js';
import { dispatched } from './given.js';
import { governed, type Governed } from './governed.js';

const REQUIRES = { run: 'control-plane@latest', artifact: 'seal/CP-21.md', sealed: true } as const;

/** `build` then `ship`, whose gate is `gate`; `review` runs in `build` and is the evidence gates ask for. */
function phased(gate: Record<string, unknown>, firstGate?: Record<string, unknown>): Governed {
  return governed({
    baton: 1,
    name: 'composed',
    phases: [
      { id: 'build', ...(firstGate && { gate: firstGate }) },
      { id: 'ship', gate },
    ],
    steps: {
      review: { skill: 'work', phase: 'build', on_failure: 'continue' },
      deploy: { skill: 'work', phase: 'ship', after: ['review'] },
    },
  });
}

function approveAs(run: Governed, by: string, comment: string | null = null): BatonEvent[] {
  return run.signal({ type: 'decision.made', data: { id: 'gate:ship', verdict: 'approved', by, comment } });
}

function overrideAs(run: Governed, by: string, reason: string): BatonEvent[] {
  return run.signal({ type: 'decision.made', data: { id: 'gate:ship', verdict: 'overridden', by, comment: reason } });
}

function checked(phase: string, ok: boolean, stage: PrerequisiteCheck['stage'] = 'gate'): BatonEvent {
  return {
    type: 'prerequisite.checked',
    data: {
      phase,
      ...REQUIRES,
      stage,
      ok,
      reason: ok ? 'sealed as sha256 abc in run cp-1 (chain verified)' : 'no run of the plan named "control-plane"',
      runId: ok ? 'cp-1' : null,
      headHash: ok ? 'h1' : null,
      sha256: ok ? 'abc' : null,
    },
  };
}

describe('composed gates: N distinct approvers', () => {
  it('opens only when two distinct people approved and the evidence holds; the same person twice counts once', () => {
    const run = phased({ all: [{ approval: { count: 2 } }, { evidence: { checks: ['review'] } }] });
    const done = run.succeed('review/a1');
    expect(run.all('phase.transition_denied', done)).toEqual([
      { from: 'build', to: 'ship', reason: 'the gate of "ship" is waiting for approval: 0 of 2 approvals' },
    ]);
    expect(run.pending()).toEqual(['gate:ship']);

    const first = approveAs(run, 'alice', 'read it');
    // Not open: the refusal is recorded again, saying who approved so far; the decision stays pending for the next person.
    expect(run.all('phase.opened', first)).toEqual([]);
    expect(run.all('phase.transition_denied', first)).toEqual([
      { from: 'build', to: 'ship', reason: 'the gate of "ship" is waiting for approval: 1 of 2 approvals (alice)' },
    ]);
    expect(run.pending()).toEqual(['gate:ship']);
    expect(approveAs(run, 'alice', 'again')).toEqual([]);
    expect(run.state.gateApprovals.get('gate:ship')?.map((approval) => approval.by)).toEqual(['alice']);

    const second = approveAs(run, 'bob');
    expect(run.all('phase.opened', second)).toEqual([
      {
        phase: 'ship',
        from: 'build',
        reason: '"build" is ready; all evidence is present; 2 of 2 approvals (alice, bob)',
      },
    ]);
    expect(dispatched(second)).toEqual(['deploy/a1']);
    run.succeed('deploy/a1');
    expect(run.state.status).toBe('succeeded');
    run.expectFixpoint();
  });

  it('approvals do not stand in for missing evidence: the gate stays closed and says what is missing', () => {
    const run = phased({ all: [{ approval: true }, { policy: 'steps.review.output.ok' }] });
    const done = run.succeed('review/a1', { ok: false });
    expect(run.all('phase.transition_denied', done)[0]?.reason).toBe(
      'the gate of "ship" is closed: policy `steps.review.output.ok` is false; 0 of 1 approval',
    );
    const approved = approveAs(run, 'alice');
    expect(run.all('phase.opened', approved)).toEqual([]);
    expect(run.all('phase.transition_denied', approved)).toEqual([
      { from: 'build', to: 'ship', reason: 'the gate of "ship" is closed: policy `steps.review.output.ok` is false' },
    ]);
    expect(run.inflight()).toEqual([]);
    run.expectFixpoint();
  });
});

describe('override: never and explicit overrides', () => {
  it('an approval of a closed evidence gate that an older ledger recorded still replays as it did', () => {
    // The operator refuses such an approval now (test/engine/gate-answers.test.ts); one recorded before is honoured.
    const run = phased({ evidence: { checks: ['review'] } }, undefined);
    const failed = run.fail('review/a1', 'tests failed', false);
    expect(run.all('phase.transition_denied', failed)[0]?.reason).toBe('phase "build" failed: every step in it failed');
    const approved = run.approve('gate:ship', 'ship it anyway');
    expect(run.all('phase.opened', approved)).toEqual([
      {
        phase: 'ship',
        from: 'build',
        reason: '"build" is failed and the gate of "ship" is closed (overridden by cli:alice: ship it anyway)',
      },
    ]);
    run.expectFixpoint();
  });

  it('a composed gate with override: never passes a failed phase only when it holds, never on an approval', () => {
    const run = phased({ all: [{ approval: true }, { evidence: { checks: ['review'] } }], override: 'never' });
    run.fail('review/a1', 'tests failed', false);
    // Counted as an approval, not an override: nothing opens, and nothing new is refused (the reason is the same).
    expect(approveAs(run, 'alice', 'ship it anyway')).toEqual([]);
    expect(run.state.openPhase).toBe(0);
    expect(run.pending()).toEqual(['gate:ship']);
    run.expectFixpoint();
  });

  it('a composed gate with override: never is not opened by an override event either', () => {
    const run = phased({ all: [{ evidence: { checks: ['review'] } }], override: 'never' });
    run.fail('review/a1', 'tests failed', false);
    const overridden = overrideAs(run, 'alice', 'urgent');
    expect(run.all('phase.opened', overridden)).toEqual([]);
    expect(run.state.overrides.get('gate:ship')?.by).toBe('alice');
    run.expectFixpoint();
  });

  it('override: { approval_by } lets only the named principals through, as its own act with its reason', () => {
    const run = phased({ all: [{ evidence: { checks: ['review'] } }], override: { approval_by: ['carol'] } });
    run.fail('review/a1', 'flaky', false);
    expect(run.all('phase.opened', overrideAs(run, 'mallory', 'trust me'))).toEqual([]);
    const opened = overrideAs(run, 'carol', 'flake, verified by hand');
    expect(run.all('phase.opened', opened)).toEqual([
      {
        phase: 'ship',
        from: 'build',
        reason: '"build" is failed and the gate of "ship" is closed (overridden by carol: flake, verified by hand)',
      },
    ]);
    expect(run.state.approvals.has('gate:ship')).toBe(false);
    run.expectFixpoint();
  });
});

describe('cross-run prerequisites', () => {
  it('the conductor waits for the engine to check at the gate, then opens on a passing check', () => {
    const run = phased({ all: [{ requires: REQUIRES }] });
    run.signal(checked('ship', true, 'preflight'));
    const done = run.succeed('review/a1');
    // The pre-flight check is older than the work the gate lets through: a new one is due, nothing is denied yet.
    expect(run.all('phase.transition_denied', done)).toEqual([]);
    expect(prerequisitesDue(run.state)).toEqual([{ phase: 'ship', requirement: REQUIRES }]);
    const opened = run.signal(checked('ship', true));
    expect(prerequisitesDue(run.state)).toEqual([]);
    expect(run.all('phase.opened', opened)).toEqual([
      {
        phase: 'ship',
        from: 'build',
        reason:
          '"build" is ready; prerequisite seal/CP-21.md of run control-plane@latest: sealed as sha256 abc in run cp-1 (chain verified)',
      },
    ]);
    run.expectFixpoint();
  });

  it('fails closed on a failing check, and an approval cannot override it', () => {
    const run = phased({ all: [{ requires: REQUIRES }] });
    run.succeed('review/a1');
    const denied = run.signal(checked('ship', false));
    expect(run.all('phase.transition_denied', denied)).toEqual([
      {
        from: 'build',
        to: 'ship',
        reason:
          'the gate of "ship" is closed: prerequisite seal/CP-21.md of run control-plane@latest: no run of the plan named "control-plane"',
      },
    ]);
    expect(run.all('phase.opened', approveAs(run, 'alice'))).toEqual([]);
    run.expectFixpoint();
  });

  it('the first phase opens on its pre-flight check, and stays shut without one', () => {
    const run = governed({
      baton: 1,
      name: 'first',
      phases: [{ id: 'build', gate: { all: [{ requires: REQUIRES }] } }],
      steps: { review: { skill: 'work', phase: 'build' } },
    });
    expect(run.all('phase.opened')).toEqual([]);
    expect(prerequisitesDue(run.state)).toEqual([{ phase: 'build', requirement: REQUIRES }]);
    const opened = run.signal(checked('build', true, 'preflight'));
    expect(run.all('phase.opened', opened)).toHaveLength(1);
    expect(dispatched(opened)).toEqual(['review/a1']);
    run.expectFixpoint();
  });
});

describe('composed gates in the risk register', () => {
  it('a composed gate that asks for approvals is an approval control; one that does not is not', () => {
    const plan = (gate: Record<string, unknown>) =>
      ({
        baton: 1,
        name: 'risky',
        phases: ['build', { id: 'ship', gate }],
        steps: { a: { skill: 'work', phase: 'build' } },
        risks: { bad: { description: 'a bad release', controls: [{ approval: 'ship' }] } },
      }) as unknown as Plan;
    const [approved] = riskRegister(plan({ all: [{ approval: { count: 2 } }, { evidence: { checks: ['a'] } }] }));
    expect(approved?.controls[0]).toMatchObject({
      present: true,
      detail: 'phase "ship" is gated by approval by 2 distinct people and evidence: a succeeded (override: never)',
    });
    const [unapproved] = riskRegister(plan({ all: [{ evidence: { checks: ['a'] } }] }));
    expect(unapproved?.controls[0]).toMatchObject({ present: false });
  });
});
