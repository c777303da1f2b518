import { awaitsPerson, type RunState } from '../core/index.js';

/**
 * Whether the attempt in flight for an instance is a person's task (answered with `baton
 * submit`, never claimed by a worker) rather than a machine's. The one place the run loop tells
 * the two apart: resume keeps a person's task, lease checks and "waiting on the outside" count
 * only the rest.
 * @example
 * for (const [attemptId, key] of state.inflight) if (!isPersonTask(state, key)) abandon(attemptId);
 */
export function isPersonTask(state: RunState, instanceKey: string): boolean {
  const instance = state.instances.get(instanceKey);
  const capability = instance?.capability ?? (instance ? state.steps[instance.step]?.capability : undefined);
  return capability != null && awaitsPerson(state.registry[capability]);
}

/**
 * Whether any attempt in flight is a machine's (in this process or on a worker elsewhere): while
 * one is, an outcome may still come without a person. Stops at the first one found, since the
 * run loop asks after every round and a fan-out keeps thousands in flight.
 * @example
 * if (!hasMachineWorkInFlight(state) && state.pending.size > 0) console.log('waiting for a person');
 */
export function hasMachineWorkInFlight(state: RunState): boolean {
  for (const key of state.inflight.values()) if (!isPersonTask(state, key)) return true;
  return false;
}
