import type { BatonEvent, StepError } from './events.js';
import { durationToMs } from './plan/duration.js';
import type { Circuit, RunState } from './state.js';

/**
 * Counts an attempt's outcome against its capability's circuit (the fold's half). Only
 * retryable failures count: a non-retryable one says the work was wrong, not that the
 * capability is down, so it neither counts nor resets. A success closes a half-open circuit.
 * @example recordOutcome(state, 'model-a', { retryable: true, type: 'http', message: '503' })
 */
export function recordOutcome(state: RunState, capability: string, error: StepError | null): void {
  const circuit = state.circuits.get(capability) ?? { status: 'closed', failures: 0, until: null };
  state.circuits.set(capability, circuit);
  if (error === null) {
    circuit.failures = 0;
    if (circuit.status === 'half_open') circuit.status = 'closed';
  } else if (error.retryable) circuit.failures += 1;
}

/** Folds `capability.unavailable` / `capability.available`: the conductor's decisions on a circuit. */
export function setCircuit(state: RunState, capability: string, status: Circuit['status'], until: number | null): void {
  state.circuits.set(capability, { status, failures: 0, until });
}

/**
 * Why routing passes a capability over for now (its circuit is open), or null. Null for every
 * capability when the plan has no `routing.breaker`: then circuits are counted, never acted on.
 * @example unavailableReason(state, 'model-a') // 'unavailable until 2026-01-01T00:01:00.000Z (...)'
 */
export function unavailableReason(state: RunState, capability: string): string | null {
  const circuit = state.circuits.get(capability);
  if (state.plan.routing?.breaker === undefined || circuit?.status !== 'open' || circuit.until === null) return null;
  return `unavailable until ${new Date(circuit.until).toISOString()} (its circuit opened after retryable failures in a row)`;
}

/**
 * The breaker's decisions at `now`: a closed circuit with `failures` retryable failures in a
 * row, or a half-open one with one, opens for `cool_down`; an open one whose cool-down ended
 * becomes half-open. Time comes from `now` only, so replay at the recorded times decides the same.
 * @example updateCircuits(state, now, emit) // emits capability.unavailable / capability.available
 */
export function updateCircuits(state: RunState, now: number, emit: (decision: BatonEvent) => void): void {
  const breaker = state.plan.routing?.breaker;
  if (breaker === undefined) return;
  for (const [capability, circuit] of [...state.circuits]) {
    if (circuit.status === 'open' && circuit.until !== null && circuit.until <= now) {
      emit({
        type: 'capability.available',
        data: { capability, reason: `its cool-down of ${breaker.cool_down} ended: the next dispatch may use it again` },
      });
      continue;
    }
    const threshold = circuit.status === 'half_open' ? 1 : breaker.failures;
    if (circuit.status === 'open' || circuit.failures < threshold) continue;
    const reason =
      circuit.status === 'half_open'
        ? 'it failed again (retryable) on trial after its cool-down'
        : `${circuit.failures} retryable failures in a row (routing.breaker.failures: ${breaker.failures})`;
    emit({
      type: 'capability.unavailable',
      data: {
        capability,
        until: new Date(now + durationToMs(breaker.cool_down)).toISOString(),
        failures: circuit.failures,
        reason,
      },
    });
  }
}

/** The earliest end of an open circuit's cool-down (a timer for `nextWakeAt`), or null. */
export function nextCircuitChange(state: RunState): number | null {
  if (state.plan.routing?.breaker === undefined) return null;
  let earliest: number | null = null;
  for (const circuit of state.circuits.values())
    if (circuit.status === 'open' && circuit.until !== null && (earliest === null || circuit.until < earliest))
      earliest = circuit.until;
  return earliest;
}
