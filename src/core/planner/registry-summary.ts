import { describeCapability } from '../registry.js';
import type { CapabilityKind } from '../plan/schema.js';
import type { ProviderLimits } from '../provider-limits.js';
import type { WorkspaceRegistry } from '../workspace-registry.js';

/** One capability as a planner may see it: what it offers and costs, never how it runs. */
export interface CapabilitySummary {
  id: string;
  kind: CapabilityKind;
  skills: Record<string, number>;
  description?: string;
  /** The most one attempt can cost (USD); absent means free. */
  worstUsd?: number;
  timeoutMs?: number;
  permissions?: string[];
}

/** What a planner is told of the workspace registry. */
export interface RegistrySummary {
  capabilities: CapabilitySummary[];
  /** The kinds a drafted plan may declare capabilities of (never `command`); absent: llm, human, http, mcp, agent. */
  mayDeclare: CapabilityKind[];
  limits?: ProviderLimits;
}

/**
 * The kinds a drafted plan may declare: the registry's `plans.may_declare`, less `command`,
 * which a drafted plan never declares (a model must not write a program for Baton to execute).
 */
export function draftableKinds(registry: WorkspaceRegistry): CapabilityKind[] {
  const allowed = registry.plans?.may_declare ?? (['human', 'http', 'mcp', 'llm', 'agent'] as CapabilityKind[]);
  return allowed.filter((kind) => kind !== 'command');
}

/**
 * The registry as a planner's prompt shows it: each capability's id, kind, skills, worst-case
 * cost, timeout and permissions, the kinds a drafted plan may declare, and the provider limits.
 * Built field by field from the router's descriptor, so a command's argv, an environment,
 * an `api_key_env` name, a URL or a prompt can never reach the model.
 * @example
 * summarizeRegistry({ capabilities: { build: { kind: 'command', command: ['make'], skills: { build: 1 } } } })
 * // { capabilities: [{ id: 'build', kind: 'command', skills: { build: 1 } }], mayDeclare: [...] }
 */
export function summarizeRegistry(registry: WorkspaceRegistry): RegistrySummary {
  const capabilities = Object.entries(registry.capabilities ?? {}).map(([id, capability]): CapabilitySummary => {
    const described = describeCapability(id, capability);
    return {
      id,
      kind: described.kind,
      skills: { ...described.skills },
      ...(described.description !== undefined && { description: described.description }),
      ...(described.costUsd !== undefined && { worstUsd: described.costUsd }),
      ...(described.timeoutMs !== undefined && { timeoutMs: described.timeoutMs }),
      ...(described.permissions !== undefined && { permissions: [...described.permissions] }),
    };
  });
  return {
    capabilities,
    mayDeclare: draftableKinds(registry),
    ...(registry.limits !== undefined && { limits: registry.limits }),
  };
}

/** Every skill some capability of the registry offers. */
export function registrySkills(registry: WorkspaceRegistry): Set<string> {
  return new Set(Object.values(registry.capabilities ?? {}).flatMap((capability) => Object.keys(capability.skills)));
}
