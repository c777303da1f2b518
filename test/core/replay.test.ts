import { describe, expect, it } from 'vitest';
import { evolve, isDecision, type LedgerEvent, type RunState } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, replayLedger, summarizeDivergence } from '../../src/ledger/index.js';
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

  it('says what the ledger records at the divergence and what the conductor derives instead', () => {
    const events = record(scenario);
    const dispatch = events.find((e) => e.type === 'attempt.dispatched' && e.data.attemptId === 'b/a1') as LedgerEvent;
    const capability = (dispatch.data as { capability: string }).capability;
    (dispatch.data as { capability: string }).capability = 'elsewhere';
    const verdict = replayLedger(events);
    if (verdict.ok) throw new Error('expected a divergence');
    expect(summarizeDivergence(verdict)).toEqual({
      recorded: 'attempt.dispatched b/a1 with capability "elsewhere"',
      derived: `attempt.dispatched b/a1 with capability ${JSON.stringify(capability)}`,
    });
  });

  it('names a decision the ledger lacks: the conductor derives one more where the ledger goes on, or ends', () => {
    const events = record(scenario);
    const last = events.length - 1;
    expect(events[last]?.type).toBe('run.succeeded');
    const cut = events.slice(0, last);
    expect(replayLedger(cut)).toMatchObject({
      ok: false,
      seq: last + 1,
      found: null,
      derived: { type: 'run.succeeded' },
    });
    const round = events.findIndex((e) => e.type === 'attempt.dispatched' && e.data.attemptId === 'b/a1');
    const without = rechain(events.filter((_, i) => i !== round));
    const verdict = replayLedger(without);
    expect(verdict).toMatchObject({ ok: false, seq: round + 1, derived: { type: 'attempt.dispatched' } });
    if (verdict.ok) return;
    expect(summarizeDivergence(verdict).derived).toBe('attempt.dispatched b/a1');
  });

  it('a divergence accepted in the ledger stands, and what follows the acceptance is still checked', () => {
    const events = record(scenario);
    const dispatch = events.find((e) => e.type === 'attempt.dispatched' && e.data.attemptId === 'b/a1') as LedgerEvent;
    (dispatch.data as { capability: string }).capability = 'elsewhere';
    const at = events.findIndex((e) => e.seq > dispatch.seq && !isDecision(e));
    const acceptance = {
      type: 'run.divergence_accepted',
      data: { seq: dispatch.seq, recorded: 'r', derived: 'd', by: 'alice', reason: 'why' },
      at: Date.parse(events[at]!.at),
    };
    const accepted = rechain([...events.slice(0, at), acceptance as never, ...events.slice(at)]);
    expect(replayLedger(accepted)).toMatchObject({ ok: true });
    // The conductor derives one more decision where the ledger's last round ended: found at the acceptance itself.
    const cut = record(scenario).slice(0, -1);
    const end = { ...acceptance, at: Date.parse(cut.at(-1)!.at) };
    expect(replayLedger(rechain(cut))).toMatchObject({ ok: false, seq: cut.length + 1 });
    expect(replayLedger(rechain([...cut, end as never]))).toMatchObject({ ok: true });

    const last = accepted.at(-1) as LedgerEvent;
    expect(last.type).toBe('run.succeeded');
    (last.data as { succeeded: number }).succeeded = 99;
    expect(replayLedger(rechain(accepted))).toMatchObject({ ok: false, seq: last.seq });
  });
});

/** The events chained afresh, in this order, each at its own time (`at` as ISO text or epoch ms). */
function rechain(events: readonly { type: string; data: unknown; at: string | number }[]): LedgerEvent[] {
  let head = EMPTY_HEAD;
  return events.map((event) => {
    const at = typeof event.at === 'number' ? new Date(event.at).toISOString() : event.at;
    const [chained] = chainEvents('r1', head, [{ type: event.type, data: event.data } as never], at);
    head = { seq: chained!.seq, hash: chained!.hash };
    return chained!;
  });
}
