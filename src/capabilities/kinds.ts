import {
  capabilitiesInUse,
  type CapabilityKind,
  type Plan,
  type PlanCapability,
  type PlanIssue,
} from '../core/index.js';
import { commandKind } from './command/command-kind.js';
import { functionKind } from './function/function-kind.js';
import { humanKind } from './human/human-kind.js';
import { httpKind } from './http/http-kind.js';
import { agentKind } from './agent/agent-kind.js';
import type { CapabilityKindPlugin } from './kind.js';
import { mcpKind } from './mcp/mcp-kind.js';
import { llmKind } from './llm/llm-kind.js';
import { planKind } from './plan-kind.js';
import type { CapabilityRunner } from './types.js';

/**
 * The engine's kind plug-ins, one per kind of the core's table (`CAPABILITY_KINDS`). Adding a
 * kind: its folder here and one line below (the mapped type makes a missing one a compile error).
 */
export const CAPABILITY_KIND_PLUGINS: { readonly [K in CapabilityKind]: CapabilityKindPlugin<K> } = {
  command: commandKind,
  function: functionKind,
  human: humanKind,
  http: httpKind,
  mcp: mcpKind,
  llm: llmKind,
  agent: agentKind,
  plan: planKind,
};

/**
 * How long the live checks of one plan's capabilities may take together: a server that never
 * answers refuses the plan instead of holding its submitter. Generous for a cold `npx`-started
 * server on a busy machine; a server that answers at all answers in about a second.
 */
const CAPABILITY_CHECK_TIMEOUT_MS = 30_000;

/** The plug-in of a plan capability's kind, typed for its config whichever kind it is. */
function pluginOf(config: PlanCapability): CapabilityKindPlugin<PlanCapability['kind']> {
  // Sound: the plug-in is looked up by the config's own kind, so it takes exactly this config.
  return CAPABILITY_KIND_PLUGINS[config.kind] as CapabilityKindPlugin<PlanCapability['kind']>;
}

/**
 * The runner a plan's capability gets from its kind, or undefined when its kind makes none
 * from the plan (a person's kind).
 * @example
 * const runner = runnerFromPlan('build', plan.capabilities.build, plan); // a command's runner
 */
export function runnerFromPlan(id: string, config: PlanCapability, plan: Plan): CapabilityRunner | undefined {
  return pluginOf(config).runner?.(id, config, plan);
}

/**
 * A plan file's capability after its kind's pre-flight: the config to run with and what is
 * wrong with it, unchanged and without issues for a kind that has no pre-flight.
 * @example
 * const { config, issues } = preflightInPlanDirectory(capability, dirname(resolve(file)));
 */
export function preflightInPlanDirectory(
  config: PlanCapability,
  planDirectory: string,
): { config: PlanCapability; issues: PlanIssue[] } {
  return pluginOf(config).preflight?.(config, planDirectory) ?? { config, issues: [] };
}

/**
 * The live pre-flight of every capability a step of the plan may run whose kind has one (an MCP
 * server asked for its tools), run at once and bounded by one timeout: what the world says is
 * wrong, with paths from the plan's root. A check that throws is an issue too (fail closed).
 * Capabilities no step can reach (a workspace registry's others) are not checked: their
 * servers are not started for a run that will never call them.
 * @example
 * const issues = await checkCapabilities(plan); // [{ path: ['capabilities', 'fs', 'tool'], message: ... }]
 */
export async function checkCapabilities(plan: Plan): Promise<PlanIssue[]> {
  const signal = AbortSignal.timeout(CAPABILITY_CHECK_TIMEOUT_MS);
  const scope = plan.constraints?.scope ?? null;
  const inUse = capabilitiesInUse(plan);
  const checks = Object.entries(plan.capabilities ?? {}).map(async ([id, config]): Promise<PlanIssue[]> => {
    const check = pluginOf(config).check;
    if (check === undefined || !inUse.has(id)) return [];
    const issues = await check(config, { scope, signal }).catch((error: unknown) => [
      { path: [], message: `cannot check it: ${error instanceof Error ? error.message : String(error)}` },
    ]);
    return issues.map((issue) => ({ ...issue, path: ['capabilities', id, ...issue.path] }));
  });
  return (await Promise.all(checks)).flat();
}
