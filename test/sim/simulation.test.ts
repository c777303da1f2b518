import { describe, expect, it } from 'vitest';
import { conduct, type BatonEvent, type RunState } from '../../src/core/index.js';
import type { Conductor } from '../../sim/engine.js';
import type { InvariantName } from '../../sim/invariants.js';
import { formatFailure } from '../../sim/report.js';
import { World, type WorldOptions } from '../../sim/world.js';

/** The seeds CI runs on every `npm test`; `npm run sim -- --seeds 100000` runs the long version. */
const CI_SEEDS = 1000;

async function firstViolation(options: Omit<WorldOptions, 'seed'>, invariant: InvariantName, seeds = 300): Promise<number | null> {
  for (let seed = 1; seed <= seeds; seed++) {
    const result = await new World({ ...options, seed }).run();
    if (result.violations.some((violation) => violation.invariant === invariant)) return seed;
  }
  return null;
}

/** A conductor with one rule broken, to prove the checker notices. */
function broken(change: (state: RunState) => () => void, filter: (decisions: BatonEvent[]) => BatonEvent[] = (d) => d): Conductor {
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

  it('catches a conductor that dispatches past the deadline', async () => {
    const ignoresDeadline = broken((state) => {
      const deadline = state.deadlineAt;
      state.deadlineAt = null;
      return () => {
        state.deadlineAt = deadline;
      };
    });
    expect(await firstViolation({ conductor: ignoresDeadline }, 'no-dispatch-after-deadline')).not.toBeNull();
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
});
