import { describe, expect, it } from 'vitest';
import { checkPlan, nextWakeAt, type BatonEvent, type LedgerEvent } from '../../src/core/index.js';
import { buildRegistry } from '../../src/core/registry.js';
import { chainEvents, EMPTY_HEAD, replayLedger } from '../../src/ledger/index.js';
import { dispatched, given, T0, type Scenario } from './given.js';

/** Two capabilities offering `fetch`: `primary` (0.9) wins when it may; `backup` (0.5) is next-best. */
function twoProviders(
  routing: unknown,
  steps: Record<string, unknown> = { a: { skill: 'fetch', retry: { max: 5, backoff: '1s' } } },
) {
  return {
    baton: 1,
    name: 'providers',
    ...(routing !== undefined && { routing }),
    capabilities: {
      primary: { kind: 'command', command: ['true'], skills: { fetch: 0.9 } },
      backup: { kind: 'command', command: ['true'], skills: { fetch: 0.5 } },
    },
    steps,
  };
}

function ofType<K extends BatonEvent['type']>(events: BatonEvent[], type: K): Extract<BatonEvent, { type: K }>[] {
  return events.filter((event): event is Extract<BatonEvent, { type: K }> => event.type === type);
}

function capabilityOf(run: Scenario, attemptId: string): string | undefined {
  const dispatch = ofType(run.decisions, 'attempt.dispatched').find((event) => event.data.attemptId === attemptId);
  return dispatch?.data.capability;
}

describe('routing.fallback: a retry goes to the next-best capability', () => {
  it('without `routing`, a retry stays where the step was routed (as before)', () => {
    const run = given(twoProviders(undefined));
    run.fail('a/a1');
    const retry = run.advance(1000);
    expect(ofType(retry, 'step.rerouted')).toEqual([]);
    expect(capabilityOf(run, 'a/a2')).toBe('primary');
  });

  it('reroutes the retry away from the capability that failed, saying why it was passed over', () => {
    const run = given(twoProviders({ fallback: true }));
    expect(capabilityOf(run, 'a/a1')).toBe('primary');
    expect(ofType(run.fail('a/a1'), 'step.rerouted')).toEqual([]); // decided when the retry is due, not before
    const retry = run.advance(1000);
    expect(run.types(retry)).toEqual(['step.rerouted', 'attempt.dispatched']);
    const [rerouted] = ofType(retry, 'step.rerouted');
    expect(rerouted?.data).toMatchObject({
      step: 'a',
      instance: 'a',
      skill: 'fetch',
      from: 'primary',
      capability: 'backup',
    });
    expect(rerouted?.data.reason).toMatch(
      /^passed over "primary" \(its attempt a\/a1 failed\); the only allowed capability/,
    );
    expect(rerouted?.data.candidates.map((c) => [c.capability, c.chosen, c.reason])).toEqual([
      ['primary', false, 'its attempt a/a1 failed (retryable): the retry falls back to another capability'],
      ['backup', true, 'strongest for "fetch" (0.5)'],
    ]);
    expect(capabilityOf(run, 'a/a2')).toBe('backup');
    // The backup fails too: the next retry goes back to the primary.
    run.fail('a/a2');
    run.advance(2000);
    expect(capabilityOf(run, 'a/a3')).toBe('primary');
    run.succeed('a/a3', 'ok');
    expect(run.state.status).toBe('succeeded');
  });

  it('retries on the same capability when no other may take the step', () => {
    const run = given(twoProviders({ fallback: true }, { a: { capability: 'primary', retry: { max: 1 } } }));
    const retry = run.fail('a/a1');
    expect(run.types(retry)).toEqual(['attempt.retry_scheduled', 'attempt.dispatched']);
    expect(capabilityOf(run, 'a/a2')).toBe('primary');
  });

  it('does not fall back after a failure that is not retried', () => {
    const run = given(twoProviders({ fallback: true }, { a: { skill: 'fetch' } }));
    expect(run.types(run.fail('a/a1', 'bad request', false))).toEqual(['step.failed', 'run.failed']);
  });

  it('reroutes one for_each item, leaving the others where the step was routed', () => {
    const run = given(
      twoProviders({ fallback: true }, { each: { skill: 'fetch', for_each: '[1, 2]', retry: { max: 1 } } }),
    );
    run.fail('each[0]/a1');
    expect(capabilityOf(run, 'each[0]/a2')).toBe('backup');
    expect(run.state.instances.get('each[1]')?.capability ?? run.state.steps.each?.capability).toBe('primary');
  });
});

describe('routing.breaker: a failing capability is unavailable for a cool-down', () => {
  const breaker = { failures: 2, cool_down: '1m' };

  it('opens after N retryable failures in a row, routes around it, and closes after a success on trial', () => {
    const run = given(
      twoProviders(
        { breaker },
        { a: { skill: 'fetch', retry: { max: 5, backoff: '1s' } }, b: { skill: 'fetch', after: ['a'] } },
      ),
    );
    run.fail('a/a1');
    run.advance(1000);
    expect(capabilityOf(run, 'a/a2')).toBe('primary'); // no fallback: one failure is not enough to pass it over
    const opened = run.fail('a/a2');
    const [unavailable] = ofType(opened, 'capability.unavailable');
    expect(unavailable?.data).toEqual({
      capability: 'primary',
      until: new Date(run.now + 60_000).toISOString(),
      failures: 2,
      reason: '2 retryable failures in a row (routing.breaker.failures: 2)',
    });
    const retry = run.advance(2000);
    const [rerouted] = ofType(retry, 'step.rerouted');
    expect(rerouted?.data.reason).toMatch(
      /^passed over "primary" \(unavailable until .*\); the only allowed capability/,
    );
    expect(capabilityOf(run, 'a/a3')).toBe('backup');
    // A step routed while the circuit is open is routed around it, with the reason.
    const next = run.succeed('a/a3', 'ok');
    const [routed] = ofType(next, 'step.routed');
    expect(routed?.data.capability).toBe('backup');
    expect(routed?.data.candidates.find((c) => c.capability === 'primary')?.reason).toBe(
      `unavailable until ${unavailable?.data.until} (its circuit opened after retryable failures in a row)`,
    );
    // The cool-down's end is a timer; then the primary may be tried again.
    expect(nextWakeAt(run.state)).toBe(Date.parse(unavailable!.data.until));
    run.now = Date.parse(unavailable!.data.until) - 1;
    expect(ofType(run.advance(1), 'capability.available')).toMatchObject([{ data: { capability: 'primary' } }]);
    expect(run.state.circuits.get('primary')?.status).toBe('half_open');
    expect(nextWakeAt(run.state)).toBeNull();
  });

  it('opens again on one failure while on trial, and a success on trial closes it', () => {
    const run = given(
      twoProviders({ breaker: { failures: 1, cool_down: '10s' } }, { a: { capability: 'primary', retry: { max: 5 } } }),
    );
    expect(ofType(run.fail('a/a1'), 'capability.unavailable')).toHaveLength(1);
    expect(run.inflight()).toEqual([]); // pinned to it: the retry waits for the cool-down instead of escalating
    expect(nextWakeAt(run.state)).toBe(T0 + 10_000);
    const trial = run.advance(10_000);
    expect(run.types(trial)).toEqual(['capability.available', 'attempt.dispatched']);
    expect(ofType(run.fail('a/a2'), 'capability.unavailable')[0]?.data.reason).toBe(
      'it failed again (retryable) on trial after its cool-down',
    );
    run.advance(10_000);
    run.succeed('a/a3', 'ok');
    expect(run.state.circuits.get('primary')).toEqual({ status: 'closed', failures: 0, until: null });
    expect(run.state.status).toBe('succeeded');
  });

  it('holds a new step whose only capabilities are unavailable until a cool-down ends', () => {
    const run = given(
      twoProviders(
        { breaker: { failures: 1, cool_down: '5s' } },
        { a: { capability: 'primary', on_failure: 'continue' }, b: { capability: 'primary', after: ['a'] } },
      ),
    );
    const failed = run.fail('a/a1');
    expect(run.types(failed)).toEqual(['capability.unavailable', 'step.failed']);
    expect(run.state.steps.b?.status).toBe('ready');
    expect(run.state.pending.size).toBe(0);
    expect(dispatched(run.advance(5_000))).toEqual(['b/a1']);
  });

  it('counts only retryable failures; a success resets the count', () => {
    const run = given(twoProviders({ breaker }, { a: { capability: 'primary', retry: { max: 5 } } }));
    run.fail('a/a1');
    expect(run.state.circuits.get('primary')?.failures).toBe(1);
    run.succeed('a/a2', 'ok');
    expect(run.state.circuits.get('primary')).toMatchObject({ status: 'closed', failures: 0 });
  });

  it('refuses a breaker without a positive threshold or cool-down', () => {
    const check = (routing: unknown) => () => checkPlan(twoProviders(routing), (p) => buildRegistry(p));
    expect(check({ breaker: { failures: 0, cool_down: '1m' } })).toThrow(/routing\.breaker\.failures/);
    expect(check({ breaker: { failures: 3, cool_down: '0s' } })).toThrow(/routing\.breaker\.cool_down/);
    expect(check({ fallback: 'yes' })).toThrow(/routing\.fallback/);
  });
});

describe('fallback and breaker decisions replay', () => {
  /** Records a scenario as the engine does: each signal, then the decisions it led to, at the same time. */
  function record(run: Scenario, act: (run: Scenario) => void): LedgerEvent[] {
    const log: (BatonEvent & { at: number })[] = [
      {
        type: 'run.created',
        data: { plan: run.state.plan, planHash: 'h', inputs: {}, registry: run.state.registry },
        at: T0,
      },
      ...run.decisions.map((d) => ({ ...d, at: T0 })),
    ];
    const { signal, advance } = run;
    run.signal = (event) => {
      const made = signal(event);
      log.push({ ...event, at: run.now }, ...made.map((d) => ({ ...d, at: run.now })));
      return made;
    };
    run.advance = (ms) => {
      const made = advance(ms);
      log.push(...made.map((d) => ({ ...d, at: run.now })));
      return made;
    };
    act(run);
    let head = EMPTY_HEAD;
    return log.map((event) => {
      const [chained] = chainEvents('r1', head, [event as never], new Date(event.at).toISOString());
      head = { seq: chained!.seq, hash: chained!.hash };
      return chained!;
    });
  }

  const routing = { fallback: true, breaker: { failures: 2, cool_down: '1m' } };
  const steps = { a: { skill: 'fetch', retry: { max: 5, backoff: '1s' } }, b: { skill: 'fetch', after: ['a'] } };
  const scenario = (run: Scenario): void => {
    run.fail('a/a1');
    run.advance(1000); // falls back to backup
    run.fail('a/a2');
    run.advance(2000); // back to primary, which opens on its second failure
    run.fail('a/a3');
    run.advance(4000); // primary unavailable: backup
    run.succeed('a/a4', 'ok'); // b is routed to backup
    run.advance(60_000); // primary's cool-down ends while b runs
    run.succeed('b/a1', 'done');
  };

  it('re-derives the recorded reroutes and circuit changes', () => {
    const events = record(given(twoProviders(routing, steps)), scenario);
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type === 'step.rerouted')).toHaveLength(3);
    expect(types).toContain('capability.unavailable');
    expect(types).toContain('capability.available');
    expect(types.at(-1)).toBe('run.succeeded');
    expect(replayLedger(events)).toMatchObject({ ok: true });
  });

  it('names a recorded reroute the conductor would not make', () => {
    const events = record(given(twoProviders(routing, steps)), scenario);
    const reroute = events.find((event) => event.type === 'step.rerouted') as LedgerEvent;
    (reroute.data as { capability: string }).capability = 'primary';
    expect(replayLedger(events)).toMatchObject({ ok: false, seq: reroute.seq });
  });
});
