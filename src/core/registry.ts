import { kindDescription } from './capability-kinds.js';
import type { CapabilityKind, Plan, PlanCapability } from './plan/schema.js';
import { subPlanDescriptors } from './sub-plan.js';

/**
 * What the conductor knows of a capability: enough to route and to explain the route.
 * Implementations (argv, functions) stay outside the core; the engine looks them up by id.
 * What the conductor does with a kind (a person's work or a machine's) is read from the kind
 * table (capability-kinds.ts), not recorded here: see there why.
 */
export interface CapabilityDescriptor {
  id: string;
  kind: CapabilityKind;
  skills: Record<string, number>;
  description?: string;
  /** The most one attempt can cost (USD); absent means free. */
  costUsd?: number;
  /** What it needs from the run's grant. */
  permissions?: string[];
  /** Default attempt timeout for steps on this capability. */
  timeoutMs?: number;
}

export type Registry = Readonly<Record<string, CapabilityDescriptor>>;

/** The registry a run sees: the plan's own capabilities, its sub-plan steps (`plan:STEP`), then those registered in code. */
export function buildRegistry(
  plan: Plan,
  registered: readonly CapabilityDescriptor[] = [],
): Record<string, CapabilityDescriptor> {
  const registry: Record<string, CapabilityDescriptor> = {};
  for (const [id, capability] of Object.entries(plan.capabilities ?? {}))
    registry[id] = describeCapability(id, capability);
  for (const descriptor of subPlanDescriptors(plan)) registry[descriptor.id] = descriptor;
  for (const descriptor of registered) registry[descriptor.id] = descriptor;
  return registry;
}

/**
 * What the router knows of a declared capability (a plan's or the workspace registry's).
 * @example
 * describeCapability('build', { kind: 'command', skills: { build: 1 }, command: ["make"] }).skills // { build: 1 }
 */
export function describeCapability(id: string, capability: PlanCapability): CapabilityDescriptor {
  return {
    id,
    kind: capability.kind,
    skills: capability.skills,
    ...(capability.description !== undefined && { description: capability.description }),
    ...(capability.cost_usd !== undefined && { costUsd: capability.cost_usd }),
    ...(capability.permissions !== undefined && { permissions: capability.permissions }),
    ...kindDescription(capability),
  };
}
