import type { EventPayloads, RouteCandidate } from './events.js';
import type { CapabilityKind, Constraints, Plan, Step } from './plan/schema.js';
import type { CapabilityDescriptor, Registry } from './registry.js';
import { subPlanCapability } from './sub-plan-id.js';

/**
 * What a step may use: the run's constraints narrowed by the step's own. Computed from the
 * plan alone, so pre-flight and the conductor apply the same rule.
 */
export interface RoutePolicy {
  /** Capability kinds allowed; null means every kind. */
  allow: readonly CapabilityKind[] | null;
  /** Permissions granted. A capability needing one not granted is denied; one needing none may always run. */
  permissions: readonly string[];
  /** USD still available to this step (run and step budgets); null means no budget applies. */
  remainingUsd: number | null;
  /** For a skill built by an infrastructure step that has not succeeded yet: that step's id. */
  unbuilt(skill: string): string | null;
  /** Why the conductor passes a capability over for now (unavailable, or a retry falling back from it); null or absent: it may not. */
  passOver?: (capability: string) => string | null;
}

/**
 * What both the run's list and the step's allow; null when neither has one (no limit). A list
 * missing on one side leaves the other's. `within(inner, outer)` says whether one value is
 * part of another: equality for kinds and permissions, containment for scope entries (where
 * the run's `./out` and the step's `./out/reports` meet in `./out/reports`).
 * @example intersect(['command', 'function'], ['function', 'human']) // ['function']
 */
export function intersect<T>(
  run: readonly T[] | undefined,
  step: readonly T[] | undefined,
  within: (inner: T, outer: T) => boolean = (a, b) => a === b,
): readonly T[] | null {
  if (run === undefined && step === undefined) return null;
  if (run === undefined) return step ?? null;
  if (step === undefined) return run;
  const fromRun = run.filter((value) => step.some((outer) => within(value, outer)));
  // A step value the run also holds, unless it is one already taken from the run (equal both ways).
  const fromStep = step.filter(
    (value) =>
      run.some((outer) => within(value, outer)) && !fromRun.some((kept) => within(value, kept) && within(kept, value)),
  );
  return [...fromRun, ...fromStep];
}

/** The step's effective allow list and granted permissions (a step the plan does not have gets the run's). */
export function stepGrant(
  constraints: Constraints | undefined,
  step: Step | undefined,
): { allow: readonly CapabilityKind[] | null; permissions: readonly string[] } {
  return {
    allow: intersect(constraints?.allow, step?.constraints?.allow),
    // A run that lists no permissions grants none: a step's own list can only narrow the run's grant, never widen it.
    permissions: intersect(constraints?.permissions ?? [], step?.constraints?.permissions) ?? [],
  };
}

export type RouteResult =
  { ok: true; route: EventPayloads['step.routed'] } | { ok: false; reason: string; candidates: RouteCandidate[] };

/** Why a capability may not take the step, or null when it may. */
function exclusion(capability: CapabilityDescriptor, skill: string | null, policy: RoutePolicy): string | null {
  if (policy.allow !== null && !policy.allow.includes(capability.kind))
    return `kind "${capability.kind}" is not allowed (allow: ${policy.allow.join(', ') || 'none'})`;
  const needs = capability.permissions;
  const missing = needs === undefined ? [] : needs.filter((permission) => !policy.permissions.includes(permission));
  if (missing.length > 0)
    return `needs permission ${missing.map((p) => `"${p}"`).join(', ')}, which the run does not grant`;
  const cost = capability.costUsd ?? 0;
  // A sub-plan is not too dear: its child run gets what is left, at most its own budget (governance/admission.ts).
  if (capability.kind !== 'plan' && policy.remainingUsd !== null && cost > policy.remainingUsd + 1e-9)
    return `costs up to $${cost} per attempt and only $${round(policy.remainingUsd)} of the budget is left`;
  if (skill !== null) {
    const builder = policy.unbuilt(skill);
    if (builder !== null)
      return `skill "${skill}" is built by step "${builder}", which has not succeeded (with its check) yet`;
  }
  return policy.passOver?.(capability.id) ?? null;
}

export function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** A capability's worst-case price per attempt; one that declares none costs nothing. */
function price(capability: CapabilityDescriptor): number {
  return capability.costUsd ?? 0;
}

/**
 * Strongest first; among equals the cheaper worst case (two models that do the job equally well
 * should not cost the run more than they must), then the id, so the same registry always routes
 * the same way.
 */
function byStrength(skill: string) {
  return (a: CapabilityDescriptor, b: CapabilityDescriptor) =>
    (b.skills[skill] as number) - (a.skills[skill] as number) ||
    price(a) - price(b) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Why an allowed capability as strong as the chosen one lost to it. */
function tieReason(capability: CapabilityDescriptor, best: CapabilityDescriptor, strength: number): string {
  const asStrong = `as strong as "${best.id}" (${strength})`;
  if (price(capability) > price(best))
    return `${asStrong} but costs more ($${round(price(capability))} > $${round(price(best))} per attempt)`;
  return `${asStrong} and costs the same; ties go to the first id`;
}

/**
 * Picks the capability for a step and says why, weighing every candidate: a pinned step gets
 * its capability if the constraints allow it; a skill goes to the strongest allowed capability
 * that offers it, equal strengths to the cheaper worst case, then to the first id, so that the
 * same registry always routes the same way. A
 * `consensus` step gets its `n` strongest allowed capabilities. When nothing qualifies, the
 * result says why, candidate by candidate (the conductor escalates with it).
 */
export function routeStep(stepId: string, step: Step, registry: Registry, policy: RoutePolicy): RouteResult {
  const pinned = step.plan !== undefined ? subPlanCapability(stepId) : step.capability;
  if (pinned !== undefined) {
    const capability = registry[pinned];
    if (!capability && typeof step.plan === 'string')
      return {
        ok: false,
        reason: `its sub-plan file "${step.plan}" was not read into the plan (a plan file's sub-plans are read when it is admitted)`,
        candidates: [],
      };
    if (!capability)
      return { ok: false, reason: `capability "${pinned}" is not in the run's registry`, candidates: [] };
    const excluded = exclusion(capability, null, policy);
    const candidate: RouteCandidate = {
      capability: capability.id,
      kind: capability.kind,
      strength: null,
      chosen: excluded === null,
      reason: excluded ?? 'pinned',
    };
    if (excluded !== null)
      return { ok: false, reason: `pinned capability "${capability.id}" ${excluded}`, candidates: [candidate] };
    return {
      ok: true,
      route: {
        step: stepId,
        skill: null,
        capability: capability.id,
        reason:
          step.plan !== undefined
            ? `runs its sub-plan as a child run ("${capability.id}")`
            : `pinned by the step to "${capability.id}"`,
        candidates: [candidate],
      },
    };
  }
  const skill = step.skill as string;
  const offering = Object.values(registry)
    .filter((capability) => capability.skills[skill] !== undefined)
    .sort(byStrength(skill));
  // Each capability's exclusion is asked once: it calls the policy's `unbuilt` and `passOver`.
  const exclusions = offering.map((capability) => exclusion(capability, skill, policy));
  const eligible = offering.filter((_, index) => exclusions[index] === null);
  const wanted = step.consensus?.n ?? 1;
  const chosen = eligible.slice(0, wanted);
  const [best] = chosen;
  const candidates: RouteCandidate[] = offering.map((capability, index) => {
    const strength = capability.skills[skill] as number;
    const excluded = exclusions[index] as string | null;
    let reason: string;
    if (excluded !== null) reason = excluded;
    else if (capability === best) reason = `strongest for "${skill}" (${strength})`;
    else if (chosen.includes(capability)) reason = `one of the ${wanted} strongest allowed for consensus (${strength})`;
    else if (best && strength === best.skills[skill]) reason = tieReason(capability, best, strength);
    else reason = `weaker than "${best?.id}" (${strength} < ${best?.skills[skill]})`;
    return {
      capability: capability.id,
      kind: capability.kind,
      strength,
      chosen: excluded === null && chosen.includes(capability),
      reason,
    };
  });
  if (!best || chosen.length < wanted) {
    const why =
      offering.length === 0
        ? `no capability in the run's registry offers skill "${skill}"`
        : `${eligible.length} of ${offering.length} capabilities offering "${skill}" are allowed, and the step needs ${wanted}`;
    return { ok: false, reason: why, candidates };
  }
  const reason =
    wanted > 1
      ? `consensus of ${wanted}: ${chosen.map((c) => c.id).join(', ')}`
      : eligible.length === 1
        ? `the only ${eligible.length < offering.length ? 'allowed ' : ''}capability offering "${skill}"`
        : `strongest of ${eligible.length} ${eligible.length < offering.length ? 'allowed ' : ''}capabilities offering "${skill}"`;
  return {
    ok: true,
    route: {
      step: stepId,
      skill,
      capability: best.id,
      reason,
      candidates,
      ...(wanted > 1 && { voters: chosen.map((c) => c.id) }),
    },
  };
}

/**
 * The policy for a step from the plan alone (pre-flight): every built skill counts as built later.
 * `remainingUsd` is the money the step may use at the start, null for no budget. Written field by
 * field: pre-flight asks once per step, and spread objects were a measured cost there.
 * @example staticPolicy(plan, plan.steps.build, 5).remainingUsd // 5
 */
export function staticPolicy(plan: Plan, step: Step, remainingUsd: number | null = null): RoutePolicy {
  const grant = stepGrant(plan.constraints, step);
  return { allow: grant.allow, permissions: grant.permissions, remainingUsd, unbuilt: nothingUnbuilt };
}

const nothingUnbuilt = (): null => null;
