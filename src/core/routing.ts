import type { EventPayloads, RouteCandidate } from './events.js';
import type { Step } from './plan/schema.js';
import type { Registry } from './registry.js';

/**
 * Picks the capability for a step and says why, weighing every candidate: a pinned step
 * gets its capability; a skill goes to the strongest capability that offers it, ties broken
 * by id so that the same registry always routes the same way. Returns undefined when no
 * capability qualifies (validation makes that rare; the conductor then fails the step closed).
 */
export function routeStep(stepId: string, step: Step, registry: Registry): EventPayloads['step.routed'] | undefined {
  if (step.capability !== undefined) {
    const capability = registry[step.capability];
    if (!capability) return undefined;
    return {
      step: stepId,
      skill: null,
      capability: capability.id,
      reason: `pinned by the step to "${capability.id}"`,
      candidates: [{ capability: capability.id, kind: capability.kind, strength: null, chosen: true, reason: 'pinned' }],
    };
  }
  const skill = step.skill as string;
  const offering = Object.values(registry)
    .filter((capability) => capability.skills[skill] !== undefined)
    .sort((a, b) => (b.skills[skill] as number) - (a.skills[skill] as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const [best] = offering;
  if (!best) return undefined;
  const bestStrength = best.skills[skill] as number;
  const candidates: RouteCandidate[] = offering.map((capability, i) => {
    const strength = capability.skills[skill] as number;
    const reason =
      i === 0
        ? `strongest for "${skill}" (${strength})`
        : strength === bestStrength
          ? `as strong as "${best.id}" (${strength}); ties go to the first id`
          : `weaker than "${best.id}" (${strength} < ${bestStrength})`;
    return { capability: capability.id, kind: capability.kind, strength, chosen: i === 0, reason };
  });
  return {
    step: stepId,
    skill,
    capability: best.id,
    reason: offering.length === 1 ? `the only capability offering "${skill}"` : `strongest of ${offering.length} capabilities offering "${skill}"`,
    candidates,
  };
}
