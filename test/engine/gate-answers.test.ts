import { describe, expect, it } from 'vitest';
import { approve, override } from '../../src/engine/operator.js';
import { governed, type Governed } from '../core/governed.js';

/** `build` (one step, `review`, which may fail alone) then `ship` behind `gate`, run until the gate is pending. */
function atGate(gate: Record<string, unknown>, reviewSucceeds: boolean): Governed {
  const run = governed({
    baton: 1,
    name: 'answers',
    phases: ['build', { id: 'ship', gate }],
    steps: {
      review: { skill: 'work', phase: 'build', on_failure: 'continue' },
      deploy: { skill: 'work', phase: 'ship', after: ['review'] },
    },
  });
  if (reviewSucceeds) run.succeed('review/a1');
  else run.fail('review/a1', 'tests failed', false);
  expect(run.pending()).toEqual(['gate:ship']);
  return run;
}

describe('answers to a pending gate (one rule for every surface)', () => {
  it('refuses to approve an evidence gate whose evidence is missing (a deliberate tightening)', () => {
    const run = atGate({ evidence: { checks: ['review'] } }, false);
    expect(() => approve(run.state, 'ship', 'alice', 'ship it anyway')).toThrow(
      'approving the gate of "ship" cannot open it: check step "review" has not succeeded (failed), and an evidence gate cannot be overridden; seal the artifacts or let the checks succeed, or deny it',
    );
  });

  it('still approves an approval or policy gate, which approving has always let through', () => {
    expect(approve(atGate({ approval: true }, true).state, 'ship', 'alice', null)).toMatchObject({
      data: { id: 'gate:ship', verdict: 'approved', by: 'alice' },
    });
    expect(approve(atGate({ policy: 'false' }, true).state, 'ship', 'alice', 'by hand')).toMatchObject({
      data: { verdict: 'approved' },
    });
  });

  it('counts each person once towards a composed gate, then refuses approvals that could only override', () => {
    const run = atGate({ all: [{ approval: { count: 2 } }, { policy: 'false' }] }, true);
    run.signal(approve(run.state, 'ship', 'alice', null));
    expect(() => approve(run.state, 'ship', 'alice', null)).toThrow(
      'alice has already approved the gate of "ship" (1 of 2 approvals: alice); it needs 2 distinct people, and a second approval by the same person does not count',
    );
    run.signal(approve(run.state, 'ship', 'bob', null));
    expect(() => approve(run.state, 'ship', 'carol', null)).toThrow(
      'the gate of "ship" has its approvals (2 of 2 approvals: alice, bob) and is closed: policy `false` is false; its override is never, so no approval can open it',
    );
  });

  it('overrides only where the gate names the principal, with a reason', () => {
    const never = atGate({ all: [{ policy: 'false' }] }, true);
    expect(() => override(never.state, 'ship', 'alice', 'urgent')).toThrow(
      'the gate of "ship" cannot be overridden (override: never): policy `false` is false',
    );
    const named = atGate({ all: [{ policy: 'false' }], override: { approval_by: ['carol'] } }, true);
    expect(() => override(named.state, 'ship', 'alice', 'urgent')).toThrow(
      'alice may not override the gate of "ship": only carol may (its override.approval_by)',
    );
    expect(() => override(named.state, 'ship', 'carol', '  ')).toThrow('an override needs a reason');
    expect(() => override(atGate({ policy: 'false' }, true).state, 'ship', 'carol', 'x')).toThrow(
      'the gate of "ship" is let through by approving it: use `baton approve r1 ship`',
    );
    expect(override(named.state, 'ship', 'carol', 'checked by hand')).toMatchObject({
      type: 'decision.made',
      data: { id: 'gate:ship', verdict: 'overridden', by: 'carol', comment: 'checked by hand' },
    });
  });
});
