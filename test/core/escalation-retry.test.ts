import { describe, expect, it } from 'vitest';
import { conduct, evolve, type LedgerEvent, type RunState, type TimedEvent } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, replayLedger } from '../../src/ledger/index.js';
import { dispatched } from './given.js';
import { BY, governed } from './governed.js';

// c[0] succeeds, c[1] fails: the step escalates, and approving it runs c[1] again (only c[1]).
const plan = {
  baton: 1,
  name: 'e',
  steps: { c: { skill: 'work', for_each: '[1, 2]', on_failure: 'escalate' }, d: { skill: 'work', after: ['c'] } },
};

function escalatedLog(): { log: TimedEvent[]; now: number } {
  const run = governed(plan);
  run.succeed('c[0]/a1', 'x');
  run.fail('c[1]/a1', 'broken');
  expect(run.pending()).toEqual(['escalation:c']);
  return { log: run.log, now: run.now };
}

function escalationOf(log: TimedEvent[]): { detail?: unknown; retry?: unknown } {
  const request = log.find((event) => event.type === 'decision.requested');
  return request?.data as { detail?: unknown; retry?: unknown };
}

/** Folds the ledger, then a person approves the escalation: what the conductor does next. */
function approveAfterFold(log: TimedEvent[], now: number): { state: RunState; made: ReturnType<typeof conduct> } {
  const folded = log.reduce<RunState | undefined>(
    (state, event) => evolve(state, structuredClone(event)),
    undefined,
  ) as RunState;
  const state = evolve(folded, {
    type: 'decision.made',
    data: { id: 'escalation:c', verdict: 'approved', by: BY, comment: null },
    at: new Date(now).toISOString(),
  });
  return { state, made: conduct(state, { now }) };
}

function chained(log: TimedEvent[]): LedgerEvent[] {
  let head = EMPTY_HEAD;
  return log.map((event) => {
    const { at, runId: _runId, ...plain } = event;
    const [entry] = chainEvents('r1', head, [plain as never], at);
    head = { seq: entry!.seq, hash: entry!.hash };
    return entry!;
  });
}

describe('escalation retry', () => {
  it('the conductor records what approving runs again in its own field, and lists it in detail as before', () => {
    const { log } = escalatedLog();
    expect(escalationOf(log)).toMatchObject({ detail: { retry: ['c[1]'] }, retry: { instances: ['c[1]'] } });
  });

  it('approving follows the recorded retry field, whatever the detail shown to people says', () => {
    const { log, now } = escalatedLog();
    const request = escalationOf(log);
    request.detail = { note: 'display only' };
    const { state, made } = approveAfterFold(log, now);
    expect(dispatched(made)).toEqual(['c[1]/a2']);
    expect(state.instances.get('c[0]')?.status).toBe('succeeded');
  });

  it('an escalation whose recorded retry is empty runs none of its instances again, though detail lists one', () => {
    const { log, now } = escalatedLog();
    escalationOf(log).retry = { instances: [] };
    const { made } = approveAfterFold(log, now);
    expect(dispatched(made)).toEqual([]);
  });

  it('a ledger written before the field existed (the list only in detail) still folds, retries and replays', () => {
    const { log, now } = escalatedLog();
    const request = escalationOf(log);
    delete request.retry;
    expect(request.detail).toMatchObject({ retry: ['c[1]'] });
    const { state, made } = approveAfterFold(log, now);
    expect(dispatched(made)).toEqual(['c[1]/a2']);
    expect(state.instances.get('c[0]')?.status).toBe('succeeded');
    expect(replayLedger(chained(log))).toEqual({ ok: true, decisionRounds: expect.any(Number) });
  });

  it('replay still names an escalation whose recorded retry differs from the conductor', () => {
    const { log } = escalatedLog();
    escalationOf(log).retry = { instances: ['c[0]', 'c[1]'] };
    const events = chained(log);
    const seq = events.find((event) => event.type === 'decision.requested')?.seq;
    expect(replayLedger(events)).toMatchObject({ ok: false, seq });
  });
});
