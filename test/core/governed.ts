import { expect } from 'vitest';
import {
  decide,
  evolve,
  type BatonEvent,
  type EventOf,
  type EventType,
  type LedgerEvent,
  type RunState,
  type TimedEvent,
} from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, replayLedger } from '../../src/ledger/index.js';
import { given, T0, type Scenario } from './given.js';

/**
 * `given` for governance: every event (signals and decisions) is recorded with its time, so a
 * test can replay the run, and the operator's commands have names.
 */
export interface Governed extends Scenario {
  /** Every event of the run, `run.created` first, each with the time it was recorded. */
  log: TimedEvent[];
  approve(id: string, comment?: string | null): BatonEvent[];
  deny(id: string, comment?: string | null): BatonEvent[];
  submit(id: string, output: unknown): BatonEvent[];
  send(name: string, data?: unknown): BatonEvent[];
  pending(): string[];
  /** The data of the decisions of one type, from `events` or from the whole run. */
  all<K extends EventType>(type: K, events?: BatonEvent[]): EventOf<K>['data'][];
  /** Fold the recorded events from scratch, then decide at the same time: nothing new, and the same state. */
  expectFixpoint(): void;
}

export const BY = 'cli:alice';

export function governed(planData: unknown, inputs: Record<string, unknown> = {}): Governed {
  const run = given(planData, inputs);
  const created: TimedEvent = {
    type: 'run.created',
    runId: 'r1',
    at: new Date(T0).toISOString(),
    data: {
      plan: structuredClone(run.state.plan),
      planHash: 'h',
      inputs: inputs as never,
      registry: structuredClone(run.state.registry),
    },
  };
  const at = (): string => new Date(run.now).toISOString();
  const log: TimedEvent[] = [created, ...run.decisions.map((decision) => ({ ...structuredClone(decision), at: at() }))];
  const { signal, advance } = { signal: run.signal, advance: run.advance };
  const extended = run as Governed;
  extended.signal = (event) => {
    const made = signal(event);
    log.push(
      { ...structuredClone(event), at: at() },
      ...made.map((decision) => ({ ...structuredClone(decision), at: at() })),
    );
    return made;
  };
  extended.advance = (ms) => {
    const made = advance(ms);
    log.push(...made.map((decision) => ({ ...structuredClone(decision), at: at() })));
    return made;
  };
  extended.log = log;
  const answer = (
    id: string,
    verdict: 'approved' | 'denied' | 'submitted',
    comment: string | null = null,
    output?: unknown,
  ): BatonEvent[] =>
    extended.signal({
      type: 'decision.made',
      data: { id, verdict, by: BY, comment, ...(output !== undefined && { output: output as never }) },
    });
  extended.approve = (id, comment) => answer(id, 'approved', comment);
  extended.deny = (id, comment) => answer(id, 'denied', comment);
  extended.submit = (id, output) => answer(id, 'submitted', null, output);
  extended.send = (name, data = null) =>
    extended.signal({ type: 'signal.received', data: { name, data: data as never, by: BY } });
  extended.pending = () => [...run.state.pending.keys()];
  extended.all = <K extends EventType>(type: K, events: BatonEvent[] = run.decisions): EventOf<K>['data'][] =>
    events.filter((event) => event.type === type).map((event) => event.data as EventOf<K>['data']);
  extended.expectFixpoint = () => {
    const folded = log.reduce<RunState | undefined>(
      (state, event) => evolve(state, structuredClone(event)),
      undefined,
    ) as RunState;
    expect(decide(folded, { now: run.now })).toEqual([]);
    expect(folded).toEqual({ ...run.state, runId: 'r1' });
    let head = EMPTY_HEAD;
    const chained: LedgerEvent[] = log.map((event) => {
      const { at: when, runId: _runId, ...plain } = event;
      const [entry] = chainEvents('r1', head, [plain as never], when);
      head = { seq: entry!.seq, hash: entry!.hash };
      return entry!;
    });
    expect(replayLedger(chained)).toMatchObject({ ok: true });
  };
  return extended;
}

/** A command capability for plans: it is never run here, only routed to. */
export function command(skills: Record<string, number>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'command', command: ['true'], skills, ...extra };
}

export function dispatchedData(events: BatonEvent[]): EventOf<'attempt.dispatched'>['data'][] {
  return events
    .filter((event): event is EventOf<'attempt.dispatched'> => event.type === 'attempt.dispatched')
    .map((event) => event.data);
}
