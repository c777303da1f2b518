import { durationToMs } from './plan/duration.js';
import type { CapabilityKind, Plan } from './plan/schema.js';

/**
 * What the conductor knows of a capability: enough to route and to explain the route.
 * Implementations (argv, functions) stay outside the core; the engine looks them up by id.
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

/** The registry a run sees: the plan's own capabilities, then those registered in code. */
export function buildRegistry(
  plan: Plan,
  registered: readonly CapabilityDescriptor[] = [],
): Record<string, CapabilityDescriptor> {
  const registry: Record<string, CapabilityDescriptor> = {};
  for (const [id, capability] of Object.entries(plan.capabilities ?? {})) {
    registry[id] = {
      id,
      kind: capability.kind,
      skills: capability.skills,
      ...(capability.description !== undefined && { description: capability.description }),
      ...(capability.cost_usd !== undefined && { costUsd: capability.cost_usd }),
      ...(capability.permissions !== undefined && { permissions: capability.permissions }),
      ...(capability.kind === 'command' &&
        capability.timeout !== undefined && { timeoutMs: durationToMs(capability.timeout) }),
    };
  }
  for (const descriptor of registered) registry[descriptor.id] = descriptor;
  return registry;
}
