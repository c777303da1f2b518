import { durationToMs, type CapabilityDescriptor, type CapabilityKind } from '../core/index.js';
import type { CapabilityRunner } from './types.js';

/**
 * A runner whose implementation, and the SDKs it imports, loads at its first attempt. Every CLI
 * command, worker and server loads the kind table; importing the AI SDK and the MCP client there
 * tripled the CPU `baton --version` takes (0.35 s to about 1 s), for runs that never call a
 * model. A failed load fails every attempt alike (the module is missing, not flaky).
 * @example
 * runner: (id, config) => lazyRunner(plannedDescriptor(id, 'llm', config), () => import('./llm-capability.js').then((m) => m.llmRunner(id, config))),
 */
export function lazyRunner(descriptor: CapabilityDescriptor, load: () => Promise<CapabilityRunner>): CapabilityRunner {
  let loaded: Promise<CapabilityRunner> | undefined;
  return {
    descriptor,
    invoke: async (invocation) => (await (loaded ??= load())).invoke(invocation),
  };
}

/** The descriptor a plan-declared capability's runner carries: its id, kind, skills, description and timeout. */
export function plannedDescriptor(
  id: string,
  kind: CapabilityKind,
  config: { skills: Record<string, number>; description?: string | undefined; timeout?: string | undefined },
): CapabilityDescriptor {
  return {
    id,
    kind,
    skills: config.skills,
    ...(config.description !== undefined && { description: config.description }),
    ...(config.timeout !== undefined && { timeoutMs: durationToMs(config.timeout) }),
  };
}
