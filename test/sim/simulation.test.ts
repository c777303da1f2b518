import { describe, expect, it } from 'vitest';
import { conduct, type BatonEvent, type Plan, type RunState } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD } from '../../src/ledger/index.js';
import type { Conductor } from '../../sim/engine.js';
import { LedgerChecker, type InvariantName } from '../../sim/invariants.js';
import { T0 } from '../core/given.js';
import { formatFailure } from '../../sim/report.js';
import { World, type WorldOptions } from '../../sim/world.js';

/** The seeds CI runs on every `npm test`; `npm run sim -- --seeds 100000` runs the long version. */
const CI_SEEDS = 1000;

async function firstViolation(
  options: Omit<WorldOptions, 'seed'>,
  invariant: InvariantName,
  seeds = 300,
): Promise<number | null> {
  for (let seed = 1; seed <= seeds; seed++) {
    const result = await new World({ ...options, seed }).run();
    if (result.violations.some((violation) => violation.invariant === invariant)) return seed;
  }
  return null;
}

/** A conductor with one rule broken, to prove the checker notices. */
function broken(
  change: (state: RunState) => () => void,
  filter: (decisions: BatonEvent[]) => BatonEvent[] = (d) => d,
): Conductor {
  return (state, context) => {
    const restore = change(state);
    const decisions = conduct(state, context);
    restore();
    return filter(decisions);
  };
}

describe('deterministic simulation', () => {
  it(`keeps every invariant on seeds 1..${CI_SEEDS}`, async () => {
    const failures: string[] = [];
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= CI_SEEDS; seed++) {
      const result = await new World({ seed }).run();
      outcomes.add(result.outcome);
      if (result.violations.length > 0) failures.push(formatFailure(result));
    }
    expect(failures.slice(0, 3).join('\n\n')).toBe('');
    // The seeds reach every way a run can end, so the invariants were checked on all of them.
    expect([...outcomes].sort()).toEqual(['aborted', 'denied', 'failed', 'succeeded', 'timed_out', 'waiting']);
  }, 240_000);

  it('gives byte-identical ledgers for the same seed', async () => {
    for (const seed of [3, 17, 101]) {
      const [first, second] = [await new World({ seed }).run(), await new World({ seed }).run()];
      expect(first.ledger.length).toBeGreaterThan(1);
      expect(JSON.stringify(second.ledger)).toBe(JSON.stringify(first.ledger));
      expect(second.faults).toEqual(first.faults);
    }
    const [a, b] = [await new World({ seed: 3 }).run(), await new World({ seed: 4 }).run()];
    expect(JSON.stringify(a.ledger)).not.toBe(JSON.stringify(b.ledger));
  });

  it('catches a conductor that dispatches while the run is paused, and prints the command that replays the seed', async () => {
    const ignoresPause = broken((state) => {
      const paused = state.paused;
      state.paused = null;
      return () => {
        state.paused = paused;
      };
    });
    const seed = await firstViolation({ conductor: ignoresPause }, 'no-dispatch-while-paused');
    expect(seed).not.toBeNull();
    const result = await new World({ seed: seed as number, conductor: ignoresPause }).run();
    const report = formatFailure(result);
    expect(report).toContain(`replay: npm run sim -- --seed ${seed}`);
    expect(report).toContain('no-dispatch-while-paused');
    expect(report).toMatch(/ledger\s+#\d+ attempt\.dispatched/);
  }, 120_000);

  it('catches a conductor that never rejects a late result', async () => {
    const keepsStale = broken(
      () => () => {},
      (decisions) => decisions.filter((decision) => decision.type !== 'attempt.rejected'),
    );
    expect(await firstViolation({ conductor: keepsStale }, 'no-result-from-lost-lease')).not.toBeNull();
  }, 120_000);

  it('catches a store whose failed appends write part of the batch', async () => {
    expect(await firstViolation({ tornWrites: true }, 'atomic-append')).not.toBeNull();
  }, 120_000);

  it('the checker names a dispatch past the deadline, through a closed gate, over the budget, and a second settlement', () => {
    const plan = {
      baton: 1,
      name: 'checked',
      constraints: { deadline: '1s', budget_usd: 1 },
      phases: ['prepare', 'ship'],
      capabilities: { paid: { kind: 'command', command: ['x'], skills: { work: 1 }, cost_usd: 0.75 } },
      steps: { a: { skill: 'work', phase: 'prepare' }, b: { skill: 'work', phase: 'ship' } },
    } as unknown as Plan;
    const dispatch = (attemptId: string, step: string): BatonEvent => ({
      type: 'attempt.dispatched',
      data: {
        attemptId,
        step,
        index: null,
        iteration: 1,
        attempt: 1,
        idempotencyKey: `r/${step}`,
        capability: 'paid',
        input: null,
        timeoutMs: null,
        reservedUsd: 0.75,
      },
    });
    const checker = new LedgerChecker();
    let head = EMPTY_HEAD;
    const commit = (at: number, events: BatonEvent[]): string[] => {
      const chained = chainEvents('r', head, events, new Date(at).toISOString());
      head = { seq: chained.at(-1)!.seq, hash: chained.at(-1)!.hash };
      checker.commit(chained);
      return checker.violations.splice(0).map((violation) => violation.invariant);
    };
    expect(
      commit(T0, [
        { type: 'run.created', data: { plan, planHash: 'h', inputs: {}, registry: {} } },
        { type: 'phase.opened', data: { phase: 'prepare', from: null, reason: 'open' } },
        dispatch('a/a1', 'a'),
      ]),
    ).toEqual([]);
    expect(commit(T0 + 10, [dispatch('b/a1', 'b')])).toEqual(['no-dispatch-through-closed-gate', 'budget']);
    expect(commit(T0 + 2_000, [dispatch('a/a2', 'a')])).toEqual(['no-dispatch-after-deadline', 'budget']);
    expect(
      commit(T0 + 2_000, [
        { type: 'step.failed', data: { step: 'a', error: { type: 'x', message: 'x', retryable: false } } },
        { type: 'step.skipped', data: { step: 'a', reason: 'again' } },
      ]),
    ).toEqual(['one-accepted-result']);
  });
});
