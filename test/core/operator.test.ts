import { describe, expect, it } from 'vitest';
import { nextWakeAt, type Plan } from '../../src/core/index.js';
import { dispatched, T0 } from './given.js';
import { BY, command, dispatchedData, governed } from './governed.js';

describe('signals: await', () => {
  it('a step that only awaits a signal succeeds with its name and data', () => {
    const run = governed({
      baton: 1,
      name: 's',
      steps: {
        wait: { await: { signal: 'approved' } },
        go: { skill: 'work', after: ['wait'], input: '{{ steps.wait.output.data.ticket }}' },
      },
    });
    expect(run.all('decision.requested')).toEqual([
      {
        id: 'signal:wait',
        kind: 'signal',
        step: 'wait',
        phase: 'main',
        reason: 'waiting for signal "approved"',
        detail: { signals: ['approved'] },
      },
    ]);
    expect(run.send('unrelated')).toEqual([]);
    const made = run.send('approved', { ticket: 'T-1' });
    expect(run.all('step.succeeded', made)).toEqual([
      { step: 'wait', output: { signal: 'approved', data: { ticket: 'T-1' } } },
    ]);
    expect(dispatchedData(made)[0]).toMatchObject({ attemptId: 'go/a1', input: 'T-1' });
    run.expectFixpoint();
  });

  it('with a list of signals, the first to come decides (deferred choice)', () => {
    const run = governed({
      baton: 1,
      name: 's',
      steps: {
        choice: { await: { signal: ['ship', 'scrap'] } },
        ship: { skill: 'work', after: ['choice'], when: "steps.choice.output.signal == 'ship'" },
        scrap: { skill: 'work', after: ['choice'], when: "steps.choice.output.signal == 'scrap'" },
      },
    });
    expect(run.state.pending.get('signal:choice')?.reason).toBe('waiting for signal "ship" or "scrap"');
    const made = run.send('scrap');
    expect(run.all('step.skipped', made)).toEqual([
      { step: 'ship', reason: "when `steps.choice.output.signal == 'ship'` is false" },
    ]);
    expect(dispatched(made)).toEqual(['scrap/a1']);
    expect(run.send('ship')).toEqual([]);
    run.expectFixpoint();
  });

  it('a step with a skill and await runs once the signal came', () => {
    const run = governed({
      baton: 1,
      name: 's',
      steps: { deploy: { skill: 'work', await: { signal: 'window_open' } } },
    });
    expect(run.inflight()).toEqual([]);
    expect(dispatched(run.send('window_open'))).toEqual(['deploy/a1']);
  });
});

describe('operator: pause and unpause', () => {
  it('dispatches nothing while paused; running attempts finish; unpause goes on', () => {
    const run = governed({
      baton: 1,
      name: 'p',
      steps: {
        a: { skill: 'work' },
        b: { skill: 'work' },
        c: { skill: 'work', after: ['a'] },
        d: { skill: 'work', after: ['b'], retry: { max: 1 } },
      },
    });
    expect(run.signal({ type: 'run.paused', data: { by: BY, reason: 'maintenance' } })).toEqual([]);
    const finished = run.succeed('a/a1');
    expect(run.types(finished)).toEqual(['step.succeeded']);
    expect(run.inflight()).toEqual(['b/a1']);
    expect(run.advance(60_000)).toEqual([]);
    expect(run.state.status).toBe('running');
    expect(dispatched(run.signal({ type: 'run.unpaused', data: { by: BY } }))).toEqual(['c/a1']);
    run.succeed('b/a1');
    // A retry falls due while paused: it waits for the unpause.
    run.signal({ type: 'run.paused', data: { by: BY, reason: null } });
    run.fail('d/a1');
    expect(nextWakeAt(run.state)).toBeNull();
    expect(dispatched(run.advance(1000))).toEqual([]);
    expect(dispatched(run.signal({ type: 'run.unpaused', data: { by: BY } }))).toEqual(['d/a2']);
    run.expectFixpoint();
  });
});

describe('operator: pause holds the next iteration and the check (found by the simulation)', () => {
  it('the next iteration of a repeat is not dispatched while paused; it is once unpaused', () => {
    const run = governed({
      baton: 1,
      name: 'p',
      steps: { poll: { skill: 'work', repeat: { until: 'iteration >= 2', max: 3 } } },
    });
    run.signal({ type: 'run.paused', data: { by: BY, reason: null } });
    expect(dispatched(run.succeed('poll/a1', { n: 1 }))).toEqual([]);
    expect(run.advance(60_000)).toEqual([]);
    expect(dispatched(run.signal({ type: 'run.unpaused', data: { by: BY } }))).toEqual(['poll/i2/a1']);
    expect(run.types(run.succeed('poll/i2/a1', { n: 2 }))).toEqual(['step.succeeded', 'run.succeeded']);
    run.expectFixpoint();
  });

  it("a step's check is not dispatched while paused; it is once unpaused", () => {
    const run = governed({
      baton: 1,
      name: 'p',
      capabilities: { verifier: command({ verify: 1 }) },
      steps: { build: { skill: 'work', check: { capability: 'verifier' } } },
    });
    run.signal({ type: 'run.paused', data: { by: BY, reason: null } });
    expect(dispatched(run.succeed('build/a1', 'built'))).toEqual([]);
    expect(dispatched(run.signal({ type: 'run.unpaused', data: { by: BY } }))).toEqual(['build/check/a1']);
    run.expectFixpoint();
  });
});

describe('nextWakeAt: no timer that is due at once and stays due (found by the simulation)', () => {
  it('sets no timer for a retry that max_parallel holds back: only an outcome makes room', () => {
    const run = governed({
      baton: 1,
      name: 'w',
      constraints: { max_parallel: 1 },
      steps: { a: { skill: 'work', retry: { max: 1, backoff: '1s' } }, b: { skill: 'work' } },
    });
    expect(run.inflight()).toEqual(['a/a1']);
    run.fail('a/a1');
    expect(run.inflight()).toEqual(['b/a1']);
    // The retry falls due while b holds the only slot: waking for it would find nothing to do, again and again.
    expect(nextWakeAt(run.state)).toBeNull();
    expect(run.advance(5_000)).toEqual([]);
    expect(dispatched(run.succeed('b/a1'))).toEqual(['a/a2']);
    run.expectFixpoint();
  });

  it('sets no timer for a deferred step whose phase is not open yet', () => {
    const run = governed({
      baton: 1,
      name: 'w',
      phases: ['prepare', 'ship'],
      steps: { a: { skill: 'work', phase: 'prepare', confirm: true }, b: { skill: 'work', phase: 'ship' } },
    });
    expect(run.pending()).toEqual(['confirm:a']);
    run.signal({
      type: 'step.deferred',
      data: { step: 'b', until: new Date(T0 + 1_000).toISOString(), signal: null, by: BY },
    });
    // b's time comes while "ship" is closed: only a's confirmation, then its outcome, can open it.
    expect(nextWakeAt(run.state)).toBeNull();
    run.approve('confirm:a');
    run.advance(2_000);
    expect(dispatched(run.succeed('a/a1'))).toEqual(['b/a1']);
    run.expectFixpoint();
  });

  it('sets no timer for a retry that was waiting out its backoff when the run was aborted', () => {
    const run = governed({
      baton: 1,
      name: 'w',
      capabilities: { undo: command({ undo: 1 }) },
      steps: { a: { skill: 'work', compensate: 'undo' }, b: { skill: 'work', retry: { max: 1, backoff: '1s' } } },
    });
    run.succeed('a/a1');
    run.fail('b/a1');
    expect(nextWakeAt(run.state)).toBe(T0 + 1_000);
    expect(dispatched(run.signal({ type: 'run.abort_requested', data: { by: BY, reason: 'stop' } }))).toEqual([
      'a/compensate/a1',
    ]);
    // The retry never runs now; only the compensation's outcome moves the run on.
    expect(nextWakeAt(run.state)).toBeNull();
    expect(run.types(run.succeed('a/compensate/a1'))).toEqual(['step.compensated', 'run.aborted']);
    run.expectFixpoint();
  });

  it('sets no timer for a step deferred until a time and a signal, once only the signal is missing', () => {
    const run = governed({ baton: 1, name: 'w', steps: { a: { skill: 'work' }, b: { skill: 'work', after: ['a'] } } });
    run.signal({
      type: 'step.deferred',
      data: { step: 'b', until: new Date(T0 + 1_000).toISOString(), signal: 'go', by: BY },
    });
    expect(run.succeed('a/a1')).toEqual([{ type: 'step.succeeded', data: { step: 'a', output: null } }]);
    expect(run.advance(2_000)).toEqual([]);
    expect(nextWakeAt(run.state)).toBeNull();
    expect(dispatched(run.send('go'))).toEqual(['b/a1']);
    run.expectFixpoint();
  });

  it('sets no timer for a retry of a step held for a person', () => {
    const run = governed({
      baton: 1,
      name: 'w',
      steps: { fan: { skill: 'work', for_each: '[1, 2]', retry: { max: 1, backoff: '1s' }, on_failure: 'escalate' } },
    });
    run.fail('fan[0]/a1');
    run.fail('fan[1]/a1', 'boom', false);
    expect(run.pending()).toEqual(['escalation:fan']);
    expect(nextWakeAt(run.state)).toBeNull();
    run.expectFixpoint();
  });
});

describe('operator: abort with compensation', () => {
  const plan = {
    baton: 1,
    name: 'saga',
    capabilities: { undo_db: command({ undo: 1 }), undo_dns: command({ undo: 0.5 }) },
    steps: {
      db: { skill: 'work', compensate: 'undo_db' },
      dns: { skill: 'work', after: ['db'], compensate: 'undo_dns' },
      log: { skill: 'work', after: ['db'] },
      cdn: { skill: 'work', after: ['dns'] },
    },
  };

  it('cancels what runs, then compensates completed steps newest first, one at a time, and a failed compensation does not stop the rest', () => {
    const run = governed(plan);
    run.succeed('db/a1', { table: 't' });
    run.succeed('log/a1');
    run.succeed('dns/a1', { record: 'r' });
    expect(run.inflight()).toEqual(['cdn/a1']);
    const made = run.signal({ type: 'run.abort_requested', data: { by: BY, reason: 'wrong region' } });
    expect(run.types(made)).toEqual(['attempt.cancelled', 'run.compensating', 'attempt.dispatched']);
    expect(run.all('run.compensating', made)).toEqual([{ steps: ['dns', 'db'] }]);
    expect(dispatchedData(made)).toEqual([
      {
        attemptId: 'dns/compensate/a1',
        step: 'dns',
        index: null,
        iteration: 1,
        attempt: 1,
        idempotencyKey: 'r1/dns/compensate',
        capability: 'undo_dns',
        input: { record: 'r' },
        timeoutMs: null,
        role: 'compensate',
      },
    ]);
    // A late result of the cancelled attempt changes nothing.
    expect(run.succeed('cdn/a1')).toEqual([]);
    const next = run.fail('dns/compensate/a1', 'record locked');
    expect(run.all('step.compensated', next)).toEqual([
      { step: 'dns', ok: false, error: { type: 'exit_code', message: 'record locked', retryable: true } },
    ]);
    expect(dispatchedData(next)).toMatchObject([
      { attemptId: 'db/compensate/a1', capability: 'undo_db', input: { table: 't' } },
    ]);
    const end = run.succeed('db/compensate/a1');
    expect(run.types(end)).toEqual(['step.compensated', 'run.aborted']);
    expect(run.all('run.aborted', end)).toEqual([{ reason: 'wrong region', by: BY, compensated: ['db'] }]);
    expect(run.state.status).toBe('aborted');
    expect(run.state.steps.cdn?.status).toBe('cancelled');
    run.expectFixpoint();
  });

  it("runs a compensation given up after its lease was lost as a new attempt, and the old one's late result is rejected (found by the simulation)", () => {
    const run = governed(plan);
    run.succeed('db/a1', { table: 't' });
    run.succeed('log/a1');
    run.succeed('dns/a1', { record: 'r' });
    run.signal({ type: 'run.abort_requested', data: { by: BY, reason: 'stop' } });
    const again = run.signal({
      type: 'attempt.abandoned',
      data: { attemptId: 'dns/compensate/a1', reason: 'its lease expired' },
    });
    expect(dispatchedData(again)).toMatchObject([
      { attemptId: 'dns/compensate/a2', attempt: 2, idempotencyKey: 'r1/dns/compensate' },
    ]);
    expect(run.types(run.succeed('dns/compensate/a1'))).toEqual(['attempt.rejected']);
    expect(run.all('step.compensated', run.succeed('dns/compensate/a2'))).toEqual([
      { step: 'dns', ok: true, error: null },
    ]);
    run.expectFixpoint();
  });

  it('aborts at once when nothing is to be compensated', () => {
    const run = governed({ baton: 1, name: 'a', steps: { a: { skill: 'work' } } });
    expect(run.types(run.signal({ type: 'run.abort_requested', data: { by: BY, reason: 'stop' } }))).toEqual([
      'attempt.cancelled',
      'run.aborted',
    ]);
    run.expectFixpoint();
  });
});

describe('operator: cancel a step', () => {
  it('cancels its attempts and skips what depends only on it; the rest goes on', () => {
    const run = governed({
      baton: 1,
      name: 'c',
      steps: { slow: { skill: 'work' }, after_slow: { skill: 'work', after: ['slow'] }, fast: { skill: 'work' } },
    });
    const made = run.signal({ type: 'step.cancel_requested', data: { step: 'slow', by: BY, reason: 'not needed' } });
    expect(made).toEqual([
      { type: 'attempt.cancelled', data: { attemptId: 'slow/a1', reason: `cancelled by ${BY}: not needed` } },
      { type: 'step.cancelled', data: { step: 'slow', reason: `cancelled by ${BY}: not needed` } },
      { type: 'step.skipped', data: { step: 'after_slow', reason: 'all of its upstream steps (slow) were skipped' } },
    ]);
    run.succeed('fast/a1');
    expect(run.state.status).toBe('succeeded');
    run.expectFixpoint();
  });
});

describe('operator: defer', () => {
  const later = new Date(T0 + 3_600_000).toISOString();

  it('holds a step until a time', () => {
    const run = governed({ baton: 1, name: 'd', steps: { a: { skill: 'work' }, b: { skill: 'work', after: ['a'] } } });
    run.signal({ type: 'step.deferred', data: { step: 'b', until: later, signal: null, by: BY } });
    expect(dispatched(run.succeed('a/a1'))).toEqual([]);
    expect(nextWakeAt(run.state)).toBe(T0 + 3_600_000);
    expect(dispatched(run.advance(3_599_999))).toEqual([]);
    expect(dispatched(run.advance(1))).toEqual(['b/a1']);
    run.expectFixpoint();
  });

  it('holds a step until a signal', () => {
    const run = governed({ baton: 1, name: 'd', steps: { a: { skill: 'work' }, b: { skill: 'work', after: ['a'] } } });
    run.signal({ type: 'step.deferred', data: { step: 'b', until: null, signal: 'green', by: BY } });
    expect(dispatched(run.succeed('a/a1'))).toEqual([]);
    expect(dispatched(run.send('green'))).toEqual(['b/a1']);
    run.expectFixpoint();
  });
});

describe('operator: revise and revert', () => {
  const v1 = {
    baton: 1,
    name: 'r',
    steps: {
      a: { skill: 'work', input: 1 },
      b: { skill: 'work', input: 1 },
      c: { skill: 'work', after: ['a', 'b'], input: 1 },
    },
  };

  it('keeps the results of unchanged steps, reruns changed ones and cancels their attempts in flight', () => {
    const run = governed(v1);
    run.succeed('a/a1', 'A');
    expect(run.inflight()).toEqual(['b/a1']);
    const v2 = structuredClone(run.state.plan) as Plan;
    (v2.steps.b as { input: unknown }).input = 2;
    const made = run.signal({
      type: 'plan.revised',
      data: { revision: 2, plan: v2, planHash: 'h2', registry: run.state.registry, by: BY, revertOf: null },
    });
    expect(made[0]).toEqual({
      type: 'attempt.cancelled',
      data: { attemptId: 'b/a1', reason: 'step "b" changed or was removed in revision 2' },
    });
    const rerun = dispatchedData(made);
    expect(rerun).toHaveLength(1);
    expect(rerun[0]).toMatchObject({ step: 'b', input: 2 });
    // The new attempt is new work: its id and idempotency key differ from the cancelled one's.
    expect(rerun[0]?.attemptId).not.toBe('b/a1');
    expect(rerun[0]?.idempotencyKey).not.toBe('r1/b');
    expect(run.state.steps.a).toMatchObject({ status: 'succeeded', output: 'A' });
    // The late result of the cancelled attempt is not taken as the new one's.
    expect(run.succeed('b/a1', 'old')).toEqual([]);
    expect(run.state.steps.b?.status).toBe('running');
    run.succeed(rerun[0]!.attemptId, 'B2');
    expect(run.state.steps.b?.output).toBe('B2');
    expect(run.state.revisions.map((r) => r.revision)).toEqual([1, 2]);
    run.expectFixpoint();
  });

  it('a revert is a revision equal to an old plan: steps changed in between run again', () => {
    const run = governed(v1);
    const original = structuredClone(run.state.plan) as Plan;
    run.succeed('a/a1', 'A');
    run.succeed('b/a1', 'B');
    const v2 = structuredClone(original);
    (v2.steps.c as { input: unknown }).input = 2;
    run.signal({
      type: 'plan.revised',
      data: { revision: 2, plan: v2, planHash: 'h2', registry: run.state.registry, by: BY, revertOf: null },
    });
    const second = dispatchedData(run.decisions).at(-1);
    expect(second).toMatchObject({ attemptId: 'c@r2/a1', input: 2 });
    run.succeed(second!.attemptId, 'C2');
    expect(run.state.status).toBe('succeeded');

    const live = governed(v1);
    live.succeed('a/a1', 'A');
    live.signal({
      type: 'plan.revised',
      data: { revision: 2, plan: v2, planHash: 'h2', registry: live.state.registry, by: BY, revertOf: null },
    });
    const made = live.signal({
      type: 'plan.revised',
      data: { revision: 3, plan: original, planHash: 'h', registry: live.state.registry, by: BY, revertOf: 1 },
    });
    expect(made).toEqual([]);
    expect(live.state.planHash).toBe('h');
    expect(live.state.revisions.map((r) => [r.revision, r.planHash])).toEqual([
      [1, 'h'],
      [2, 'h2'],
      [3, 'h'],
    ]);
    expect(live.state.steps.a).toMatchObject({ status: 'succeeded', output: 'A' });
    live.succeed('b/a1', 'B');
    expect(dispatchedData(live.decisions).at(-1)).toMatchObject({ attemptId: 'c@r3/a1', input: 1 });
    live.expectFixpoint();
  });
});

describe('deadline', () => {
  it('cancels what runs and ends the run timed_out when the deadline passes', () => {
    const run = governed({
      baton: 1,
      name: 'd',
      constraints: { deadline: '1h' },
      steps: { a: { skill: 'work' }, b: { skill: 'work' }, c: { skill: 'work', after: ['a'] } },
    });
    run.succeed('a/a1');
    expect(nextWakeAt(run.state)).toBe(T0 + 3_600_000);
    expect(run.advance(3_599_999)).toEqual([]);
    const made = run.advance(1);
    const deadline = new Date(T0 + 3_600_000).toISOString();
    expect(made).toEqual([
      { type: 'attempt.cancelled', data: { attemptId: 'b/a1', reason: `the run's deadline (${deadline}) passed` } },
      { type: 'attempt.cancelled', data: { attemptId: 'c/a1', reason: `the run's deadline (${deadline}) passed` } },
      { type: 'run.timed_out', data: { reason: `the deadline of 1h passed at ${deadline}`, deadline } },
    ]);
    expect(run.state.status).toBe('timed_out');
    expect(run.state.steps.b?.status).toBe('cancelled');
    expect(run.succeed('b/a1')).toEqual([]);
    run.expectFixpoint();
  });
});
