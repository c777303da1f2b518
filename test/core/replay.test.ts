import { describe, expect, it } from 'vitest';
import { evolve, type LedgerEvent, type RunState } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, replayLedger } from '../../src/ledger/index.js';
import { given, plan, T0 } from './given.js';

/** Records a scenario the way the engine does: each signal, then the decisions it led to, at the same time. */
function record(steps: (run: ReturnType<typeof given>) => void): LedgerEvent[] {
  const run = given(
    plan({ a: { retry: { max: 1, backoff: '1s' } }, b: { after: ['a'] }, c: { after: ['a'], for_each: '[1, 2]' } }),
  );
  const log: { type: string; data: unknown; at: number }[] = [];
  const created = {
    type: 'run.created',
    data: { plan: run.state.plan, planHash: 'h', inputs: {}, registry: run.state.registry },
    at: T0,
  };
  log.push(created, ...run.decisions.map((d) => ({ ...d, at: T0 })));
  const original = { signal: run.signal, advance: run.advance };
  run.signal = (event) => {
    const made = original.signal(event);
    log.push({ ...event, at: run.now }, ...made.map((d) => ({ ...d, at: run.now })));
    return made;
  };
  run.advance = (ms) => {
    const made = original.advance(ms);
    log.push(...made.map((d) => ({ ...d, at: run.now })));
    return made;
  };
  steps(run);
  let head = EMPTY_HEAD;
  return log.flatMap((event) => {
    const [chained] = chainEvents('r1', head, [event as never], new Date(event.at).toISOString());
    head = { seq: chained!.seq, hash: chained!.hash };
    return [chained!];
  });
}

describe('replay', () => {
  const scenario = (run: ReturnType<typeof given>): void => {
    run.fail('a/a1');
    run.advance(1000);
    run.succeed('a/a2', 1);
    run.succeed('c[1]/a1', 'y');
    run.succeed('b/a1');
    run.succeed('c[0]/a1', 'x');
  };

  it('re-running decide over a recorded ledger yields the recorded decisions', () => {
    const events = record(scenario);
    expect(events.at(-1)?.type).toBe('run.succeeded');
    expect(replayLedger(events)).toMatchObject({ ok: true });
  });

  it('names the first decision that differs', () => {
    const events = record(scenario);
    const dispatch = events.find((e) => e.type === 'attempt.dispatched' && e.data.attemptId === 'b/a1') as LedgerEvent;
    (dispatch.data as { capability: string }).capability = 'elsewhere';
    expect(replayLedger(events)).toMatchObject({ ok: false, seq: dispatch.seq });
  });

  it('rebuilding state by folding the ledger gives the live state', () => {
    let live: ReturnType<typeof given> | undefined;
    const events = record((run) => {
      scenario(run);
      live = run;
    });
    const folded = events.reduce<RunState | undefined>((state, event) => evolve(state, event), undefined);
    expect(folded).toEqual({ ...live!.state, runId: 'r1' });
  });
});
