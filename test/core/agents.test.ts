import { describe, expect, it } from 'vitest';
import {
  BatonError,
  checkHandoffTransition,
  checkPhaseTransition,
  handoffArtifacts,
  handoffRole,
  parseWorkspaceRegistry,
  queueHandoff,
  recordRoute,
  reportStatus,
  type BatonEvent,
} from '../../src/core/index.js';
import { BY, governed, type Governed } from './governed.js';

/** infrastructure (build) then execution behind a person's approval (review, then publish). */
function release(): Governed {
  return governed({
    baton: 1,
    name: 'release',
    phases: ['infrastructure', { id: 'execution', gate: { approval: true } }],
    steps: {
      build: { skill: 'work', phase: 'infrastructure' },
      review: { skill: 'work', phase: 'execution', after: ['build'] },
      publish: { skill: 'work', phase: 'execution', after: ['review'] },
    },
  });
}

const ARTIFACT = { name: 'build/app.txt', sha256: 'a'.repeat(64), bytes: 12 };

function built(run: Governed): void {
  run.signal({
    type: 'attempt.succeeded',
    data: { attemptId: 'build/a1', output: { ok: true }, durationMs: 1, artifacts: [ARTIFACT] },
  });
}

/** The message of the BatonError `fn` throws, with its code. */
function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof BatonError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('checkPhaseTransition: the conductor’s rule, read-only', () => {
  it('says what the conductor recorded when it refused the phase, and allows it once a person approved', () => {
    const run = release();
    expect(checkPhaseTransition(run.state, null, 'execution')).toEqual({
      allowed: false,
      reason: 'phase "infrastructure" is not complete (building)',
    });
    built(run);
    const [denied] = run.all('phase.transition_denied');
    expect(checkPhaseTransition(run.state, 'infrastructure', 'execution')).toEqual({
      allowed: false,
      reason: denied?.reason,
    });
    expect(denied?.reason).toBe(
      'the gate of "execution" is waiting for approval: "execution" needs a person\'s approval',
    );
    expect(checkPhaseTransition(run.state, null, 'nope').reason).toBe(
      'unknown phase "nope"; phases: infrastructure, execution',
    );
    expect(checkPhaseTransition(run.state, 'execution', 'infrastructure').reason).toBe(
      '"infrastructure" is already open: a phase opens once; to redo work, revise or revert the plan',
    );
    const before = structuredClone(run.state);
    checkPhaseTransition(run.state, null, 'execution');
    expect(run.state).toEqual(before);
    run.approve('gate:execution', 'looks right');
    expect(run.all('phase.opened').map((opened) => opened.phase)).toEqual(['infrastructure', 'execution']);
    expect(checkPhaseTransition(run.state, 'infrastructure', 'execution')).toEqual({
      allowed: false,
      reason: '"execution" is already open: a phase opens once; to redo work, revise or revert the plan',
    });
  });
});

describe('reportStatus: an agent’s report must agree with the ledger', () => {
  it('refuses "done" on a step that has not succeeded, work on one that has, and work where the phase cannot open', () => {
    const run = release();
    expect(refusal(() => reportStatus(run.state, { agent: 'builder', step: 'build', status: 'done' }, BY))).toEqual({
      code: 'conflict',
      message:
        'step "build" has not succeeded (it is running): "done" must agree with the ledger, where a step is done once the conductor accepts its result; report "working" or "blocked" until it has',
    });
    expect(
      run.signal(
        reportStatus(run.state, { agent: 'builder', step: 'build', status: 'working', note: 'compiling' }, BY),
      ),
    ).toEqual([]);
    built(run);
    expect(
      refusal(() => reportStatus(run.state, { agent: 'builder', step: 'build', status: 'working' }, BY)).message,
    ).toBe('step "build" has already succeeded: no agent can be working on it (report "done" to acknowledge it)');
    run.signal(reportStatus(run.state, { agent: 'builder', step: 'build', status: 'done' }, BY));
    expect(
      refusal(() => reportStatus(run.state, { agent: 'reviewer', step: 'review', status: 'working' }, BY)).message,
    ).toBe(
      'step "review" cannot be working: phase "execution" is not open and cannot open now: the gate of "execution" is waiting for approval: "execution" needs a person\'s approval',
    );
    // Blocked is honest anywhere work has not finished: waiting on the gate is being blocked.
    run.signal(
      reportStatus(
        run.state,
        { agent: 'reviewer', step: 'review', status: 'blocked', note: 'waiting for the gate' },
        BY,
      ),
    );
    run.signal(reportStatus(run.state, { agent: 'lead', phase: 'infrastructure', status: 'done' }, BY));
    expect(
      refusal(() => reportStatus(run.state, { agent: 'lead', phase: 'execution', status: 'done' }, BY)).message,
    ).toBe('phase "execution" is not done: it is needed (0 of 2 steps finished, 0 failed)');
    expect([...run.state.agentReports.keys()]).toEqual(['step:build', 'step:review', 'phase:infrastructure']);
    expect(run.state.agentReports.get('step:build')).toMatchObject({
      agent: 'builder',
      status: 'done',
      note: null,
      by: BY,
    });
    run.expectFixpoint();
  });

  it('says plainly what is wrong with the input', () => {
    const run = release();
    expect(
      refusal(() =>
        reportStatus(run.state, { agent: 'a', step: 'build', phase: 'infrastructure', status: 'working' }, BY),
      ),
    ).toEqual({
      code: 'bad_input',
      message: 'a status report is about one step or one phase: give `step` or `phase`, not both and not neither',
    });
    expect(refusal(() => reportStatus(run.state, { agent: '  ', step: 'build', status: 'working' }, BY)).message).toBe(
      'agent is empty; give it as non-blank text',
    );
    expect(refusal(() => reportStatus(run.state, { agent: 'a', step: 'biuld', status: 'working' }, BY))).toEqual({
      code: 'not_found',
      message: 'step "biuld" in run "r1" (steps: build, review, publish) not found',
    });
    expect(refusal(() => reportStatus(run.state, { agent: 'a', phase: 'deploy', status: 'working' }, BY)).message).toBe(
      'phase "deploy" in run "r1" (phases: infrastructure, execution) not found',
    );
    expect(run.state.agentReports.size).toBe(0);
  });

  it('refuses work on a run that has ended; "done" only where a step succeeded', () => {
    const run = release();
    run.signal({ type: 'run.abort_requested', data: { by: BY, reason: 'stop' } });
    run.signal({
      type: 'attempt.failed',
      data: { attemptId: 'build/a1', error: { type: 'cancelled', message: 'x', retryable: false }, durationMs: 1 },
    });
    expect(run.state.status).toBe('aborted');
    expect(refusal(() => reportStatus(run.state, { agent: 'a', step: 'build', status: 'blocked' }, BY)).message).toBe(
      'cannot report "blocked": run "r1" has already aborted (only "done" can still be reported, for a step that succeeded)',
    );
    expect(refusal(() => reportStatus(run.state, { agent: 'a', step: 'build', status: 'done' }, BY)).message).toBe(
      'step "build" did not succeed (it was cancelled): "done" must agree with the ledger',
    );
  });
});

describe('recordRoute: an agent’s routing decision', () => {
  it('marks the chosen candidate, and refuses a choice that is not among the candidates', () => {
    const run = release();
    const route = recordRoute(
      run.state,
      {
        agent: 'lead',
        step: 'review',
        to: 'alice',
        reason: 'knows the code',
        candidates: [
          { name: 'alice', score: 0.9 },
          { name: 'bob', reason: 'on leave' },
        ],
      },
      BY,
    );
    expect(route.data).toEqual({
      agent: 'lead',
      step: 'review',
      to: 'alice',
      reason: 'knows the code',
      candidates: [
        { name: 'alice', score: 0.9, chosen: true, reason: '' },
        { name: 'bob', score: null, chosen: false, reason: 'on leave' },
      ],
      by: BY,
    });
    expect(run.signal(route)).toEqual([]);
    expect(
      refusal(() =>
        recordRoute(
          run.state,
          { agent: 'lead', step: 'review', to: 'carol', reason: 'x', candidates: [{ name: 'alice' }, { name: 'bob' }] },
          BY,
        ),
      ).message,
    ).toBe(
      '`to` is "carol", which is not among the candidates (alice, bob): list the chosen one among them, or give no candidates',
    );
    expect(
      refusal(() =>
        recordRoute(
          run.state,
          { agent: 'lead', step: 'review', to: 'bob', reason: 'x', candidates: [{ name: 'bob' }, { name: 'bob' }] },
          BY,
        ),
      ).message,
    ).toBe('candidate "bob" is listed more than once; list each option once');
    built(run);
    expect(
      refusal(() => recordRoute(run.state, { agent: 'lead', step: 'build', to: 'bob', reason: 'x' }, BY)).message,
    ).toBe('step "build" has already succeeded: there is no work left to route');
    run.expectFixpoint();
  });
});

describe('handoffs: the checks each protocol step makes', () => {
  it('artifacts must be the run’s; the handing step must have succeeded; the receiving phase must be open or may open', () => {
    const run = release();
    const handoff = {
      from: { agent: 'builder', step: 'build' },
      to: { agent: 'reviewer', step: 'review' },
      artifacts: ['build/app.txt'],
      reason: 'built',
    };
    expect(refusal(() => handoffArtifacts(run.state, ['build/app.txt']))).toEqual({
      code: 'not_found',
      message: 'artifact "build/app.txt" in run "r1" (the run has no artifacts) not found',
    });
    expect(refusal(() => checkHandoffTransition(run.state, handoff)).message).toBe(
      'step "build" has not succeeded (it is running): only finished work is handed on (to give a step\'s own work to another agent, hand off from and to the same step)',
    );
    // Handing one's own step to another agent is not a transition.
    expect(
      checkHandoffTransition(run.state, {
        from: { agent: 'builder', step: 'build' },
        to: { agent: 'helper', step: 'build' },
      }),
    ).toBe('phase "infrastructure" of step "build" is open');
    built(run);
    expect(handoffArtifacts(run.state, ['build/app.txt'])).toEqual([ARTIFACT]);
    expect(refusal(() => handoffArtifacts(run.state, ['build/app.txt', 'build/app.txt'])).message).toBe(
      'artifact "build/app.txt" is listed more than once',
    );
    expect(refusal(() => checkHandoffTransition(run.state, handoff)).message).toBe(
      'cannot hand off to step "review": phase "execution" is not open and cannot open now: the gate of "execution" is waiting for approval: "execution" needs a person\'s approval',
    );
    expect(
      refusal(() =>
        checkHandoffTransition(run.state, { from: { agent: 'x', step: 'review' }, to: { agent: 'y', step: 'build' } }),
      ).message,
    ).toMatch(/^step "review" has not succeeded/);
    run.approve('gate:execution');
    expect(checkHandoffTransition(run.state, handoff)).toBe('phase "execution" of step "review" is open');
  });

  it('a queued handoff is numbered, refused twice, and accepted when the receiving agent reports on the step', () => {
    const run = release();
    built(run);
    run.approve('gate:execution');
    const input = {
      from: { agent: 'builder', step: 'build' },
      to: { agent: 'reviewer', step: 'review' },
      artifacts: ['build/app.txt'],
      reason: 'built and tested',
    };
    const queued = queueHandoff(run.state, input, [ARTIFACT], BY);
    expect(queued).toEqual({
      type: 'handoff.queued',
      data: {
        id: 'handoff-1',
        from: input.from,
        to: input.to,
        artifacts: [ARTIFACT],
        reason: 'built and tested',
        by: BY,
      },
    });
    expect(run.signal(queued)).toEqual([]);
    expect(refusal(() => queueHandoff(run.state, input, [ARTIFACT], BY))).toEqual({
      code: 'conflict',
      message: `handoff-1 already hands step "review" to "reviewer" and is still queued (since ${run.state.handoffs[0]?.at}); it is taken up when "reviewer" reports on "review"`,
    });
    // Another agent's report, or the handoff's own `assigned`, does not take it up.
    run.signal(reportStatus(run.state, { agent: 'someone-else', step: 'review', status: 'working' }, BY));
    run.signal(reportStatus(run.state, { agent: 'reviewer', step: 'review', status: 'assigned' }, BY));
    expect(run.state.handoffs[0]?.status).toBe('queued');
    run.now += 1000;
    const taken: BatonEvent = reportStatus(run.state, { agent: 'reviewer', step: 'review', status: 'working' }, BY);
    expect(run.signal(taken)).toEqual([]);
    expect(run.state.handoffs[0]).toMatchObject({ status: 'accepted', acceptedAt: new Date(run.now).toISOString() });
    expect(queueHandoff(run.state, input, [], BY).data.id).toBe('handoff-2');
    run.expectFixpoint();
  });

  it('a handoff’s brief is trimmed and bounded; bad input says which field and the limit', () => {
    const run = release();
    built(run);
    const input = {
      from: { agent: 'builder', step: 'build' },
      to: { agent: 'reviewer', step: 'review' },
      artifacts: [],
      reason: 'built',
    };
    expect(
      queueHandoff(
        run.state,
        { ...input, instruction: ' read it ', completionCriteria: [], knownRisks: [' slow '] },
        [],
        BY,
      ).data,
    ).toEqual({ id: 'handoff-1', ...input, artifacts: [], instruction: 'read it', knownRisks: ['slow'], by: BY });
    expect(queueHandoff(run.state, { ...input, instruction: '   ' }, [], BY).data).not.toHaveProperty('instruction');
    expect(refusal(() => queueHandoff(run.state, { ...input, completionCriteria: ['ok', ' '] }, [], BY))).toEqual({
      code: 'bad_input',
      message: 'completionCriteria[1] is empty; give it as non-blank text',
    });
    expect(
      refusal(() => queueHandoff(run.state, { ...input, knownRisks: Array.from({ length: 51 }, () => 'r') }, [], BY)),
    ).toEqual({
      code: 'bad_input',
      message: 'knownRisks has 51 entries; at most 50 are kept (one short sentence each)',
    });
    expect(refusal(() => queueHandoff(run.state, { ...input, knownRisks: ['x'.repeat(1001)] }, [], BY))).toEqual({
      code: 'bad_input',
      message: 'knownRisks[0] is 1001 characters long; at most 1000 are kept per entry',
    });
    expect(refusal(() => queueHandoff(run.state, { ...input, instruction: 'x'.repeat(10_001) }, [], BY))).toEqual({
      code: 'bad_input',
      message: 'instruction is 10001 characters long; at most 10000 are kept (hand longer documents on as artifacts)',
    });
  });

  it('a handoff to a role carries the role’s constraints as looked up, and never a role without them', () => {
    const run = release();
    built(run);
    const input = {
      from: { agent: 'builder', step: 'build' },
      to: { agent: 'reviewer', step: 'review', role: 'reviewer' },
      artifacts: [],
      reason: 'built',
    };
    const role = handoffRole({ reviewer: { constraints: ' Never merge. ' } }, 'reviewer');
    expect(queueHandoff(run.state, input, [], BY, role).data).toMatchObject({
      to: { agent: 'reviewer', step: 'review' },
      role: { name: 'reviewer', constraints: ' Never merge. ' },
    });
    expect(refusal(() => queueHandoff(run.state, input, [], BY))).toEqual({
      code: 'bad_input',
      message:
        'to.role "reviewer" has not been looked up in the workspace registry; its constraints must be injected with it',
    });
    expect(refusal(() => handoffRole(undefined, 'reviewer'))).toEqual({
      code: 'bad_input',
      message:
        'to.role "reviewer" is not a role of the workspace registry (it declares no `roles:`); name one of them, or leave to.role out',
    });
    expect(() => parseWorkspaceRegistry('roles:\n  reviewer:\n    constraints: "  "\n', 'baton.yaml')).toThrow(
      /baton\.yaml:3:\d+.*constraints are empty/s,
    );
  });
});
