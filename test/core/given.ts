import {
  conduct,
  decide,
  evolve,
  type BatonEvent,
  type DecideContext,
  type RunState,
  type TimedEvent,
} from '../../src/core/index.js';
import { buildRegistry } from '../../src/core/registry.js';
import { checkPlan } from '../../src/core/plan/parse.js';

/**
 * Events in, decisions out (STYLE.md 15): `given(plan).when(signal).then(...)` with no
 * database, no clock and no capability.
 */
export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

export interface Scenario {
  state: RunState;
  now: number;
  /** Every decision made so far, in order. */
  decisions: BatonEvent[];
  /** Folds a signal at `now` and returns the decisions made in answer. */
  signal(event: BatonEvent): BatonEvent[];
  /** Moves the clock and returns what the conductor decides at the new time. */
  advance(ms: number): BatonEvent[];
  succeed(attemptId: string, output?: unknown): BatonEvent[];
  fail(attemptId: string, message?: string, retryable?: boolean): BatonEvent[];
  inflight(): string[];
  types(events?: BatonEvent[]): string[];
}

/** `created`: more of `run.created` than the plan and inputs (e.g. a plan `approval`). */
export function given(
  plan: unknown,
  inputs: Record<string, unknown> = {},
  created: Partial<Extract<BatonEvent, { type: 'run.created' }>['data']> = {},
): Scenario {
  const checked = checkPlan(plan, (p) => buildRegistry(p, [{ id: 'fn', kind: 'function', skills: { work: 0.5 } }]));
  const registry = buildRegistry(checked, [{ id: 'fn', kind: 'function', skills: { work: 0.5 } }]);
  const createdEvent: TimedEvent = {
    type: 'run.created',
    runId: 'r1',
    at: new Date(T0).toISOString(),
    data: { plan: checked, planHash: 'h', inputs: inputs as never, registry, ...created },
  };
  const scenario: Scenario = {
    state: evolve(undefined, createdEvent),
    now: T0,
    decisions: [],
    signal(event) {
      evolve(scenario.state, { ...event, at: new Date(scenario.now).toISOString() });
      const context: DecideContext = { now: scenario.now };
      const pure = decide(scenario.state, context);
      const made = conduct(scenario.state, context);
      if (JSON.stringify(pure) !== JSON.stringify(made)) throw new Error('decide and conduct disagree');
      scenario.decisions.push(...made);
      return made;
    },
    advance(ms) {
      scenario.now += ms;
      const made = conduct(scenario.state, { now: scenario.now });
      scenario.decisions.push(...made);
      return made;
    },
    succeed(attemptId, output = null) {
      return scenario.signal({
        type: 'attempt.succeeded',
        data: { attemptId, output: output as never, durationMs: 1 },
      });
    },
    fail(attemptId, message = 'boom', retryable = true) {
      return scenario.signal({
        type: 'attempt.failed',
        data: { attemptId, error: { type: 'exit_code', message, retryable }, durationMs: 1 },
      });
    },
    inflight: () => [...scenario.state.inflight.keys()],
    types: (events = scenario.decisions) => events.map((event) => event.type),
  };
  const first = conduct(scenario.state, { now: T0 });
  scenario.decisions.push(...first);
  return scenario;
}

/** Shorthand for a plan whose steps all run on the `fn` capability. */
export function plan(steps: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): unknown {
  const withSkill = Object.fromEntries(Object.entries(steps).map(([id, step]) => [id, { skill: 'work', ...step }]));
  return { baton: 1, name: 'test', ...extra, steps: withSkill };
}

export function dispatched(events: BatonEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'attempt.dispatched' ? [event.data.attemptId] : []));
}
