import { unavailableReason } from './circuits.js';
import { instanceSkill, isDynamicSkill, withSkill } from './dynamic-skill.js';
import type { EventPayloads } from './events.js';
import { ExpressionError } from './expressions.js';
import { routeStep, type RoutePolicy } from './routing.js';
import type { Step } from './plan/schema.js';
import { planStepOf, stepOf, type InstanceState, type RunState } from './state.js';

/**
 * Where an instance of a step's own work goes when it is about to be dispatched under
 * `routing`: `stay` on its capability, `move` to another (a `step.rerouted` to record), or
 * `wait` because its capability is unavailable and no other may take it.
 */
export type RetryRoute = { kind: 'stay' } | { kind: 'move'; route: EventPayloads['step.rerouted'] } | { kind: 'wait' };

/**
 * Decides the route of an instance about to be dispatched. With `routing.fallback`, a retry
 * after a retryable failure passes over the capability that just failed when another allowed
 * one offers the skill; when none is left it retries on the same one, as without fallback.
 * With `routing.breaker`, an unavailable capability is passed over, and when no other is
 * allowed the instance waits for its cool-down. Checks, votes and compensations run where
 * they were sent: a vote must stay on its own capability, the others are named by the plan.
 * @example
 * retryRoute(state, instanceOf(state, 'fetch'), policy) // { kind: 'move', route: { from: 'api-a', capability: 'api-b', ... } }
 */
export function retryRoute(state: RunState, instance: InstanceState, policy: RoutePolicy): RetryRoute {
  const routing = state.plan.routing;
  if (routing === undefined || instance.role !== null) return { kind: 'stay' };
  const step = stepOf(state, instance.step);
  const current = instance.capability ?? step.capability;
  if (current === null) return { kind: 'stay' };
  // A retry is rerouted once; after that its failed capability is no reason to move it again.
  const failedOn =
    routing.fallback === true && instance.status === 'backoff' && !state.rerouted.has(instance.key) ? current : null;
  const unavailable = unavailableReason(state, current);
  if (failedOn === null && unavailable === null) return { kind: 'stay' };
  const passedOver = (capability: string): string | null =>
    capability === failedOn
      ? `its attempt ${instance.attemptId ?? ''} failed (retryable): the retry falls back to another capability`
      : unavailableReason(state, capability);
  const planStep = routedStep(state, instance);
  if (planStep === null) return { kind: 'stay' };
  const route = routeStep(instance.step, planStep, state.registry, { ...policy, passOver: passedOver });
  if (!route.ok) return unavailable === null ? { kind: 'stay' } : { kind: 'wait' };
  const why = failedOn !== null ? `its attempt ${instance.attemptId ?? ''} failed` : unavailable;
  return {
    kind: 'move',
    route: {
      step: instance.step,
      instance: instance.key,
      skill: route.route.skill,
      from: current,
      capability: route.route.capability,
      reason: `passed over "${current}" (${why}); ${route.route.reason}`,
      candidates: route.route.candidates,
    },
  };
}

/** The step as routed for this instance: an item of a dynamic-skill step with its own skill (null if it no longer renders). */
function routedStep(state: RunState, instance: InstanceState): Step | null {
  const planStep = planStepOf(state, instance.step);
  if (!isDynamicSkill(planStep.skill)) return planStep;
  try {
    return withSkill(planStep, instanceSkill(state, instance));
  } catch (error) {
    // It rendered when the item was routed; a retry stays where it went rather than guess.
    if (error instanceof ExpressionError || error instanceof RangeError) return null;
    throw error;
  }
}
