import { BatonError, ErrorCode, type LlmCapability, type WorkspaceRegistry } from '../../core/index.js';

/** The skill a capability offers to draft plans. */
export const PLAN_SKILL = 'plan';

/** A registry snippet that adds a planner, shown when there is none. */
const PLANNER_SNIPPET = `capabilities:
  planner:
    kind: llm
    provider: openai
    model: gpt-4o-mini
    api_key_env: OPENAI_API_KEY
    max_input_tokens: 32000
    price: { input_per_mtok: 0.15, output_per_mtok: 0.60 }
    skills: { plan: 1 }`;

/** The registry's capabilities offering skill `plan`, and those of them that are models (`llm`). */
function planners(registry: WorkspaceRegistry | undefined) {
  const offering = Object.entries(registry?.capabilities ?? {}).filter(
    ([, capability]) => capability.skills[PLAN_SKILL] !== undefined,
  );
  const models = offering.filter((entry): entry is [string, LlmCapability] => entry[1].kind === 'llm');
  return { offering, models };
}

/** Whether the registry has a model that can draft plans: only then does a Baton built on it replan. */
export function hasPlanner(registry: WorkspaceRegistry | undefined): boolean {
  return planners(registry).models.length > 0;
}

/**
 * The registry capability that drafts plans: the `llm` capability offering skill `plan` with
 * the greatest strength (ties: the first declared). Throws bad input, with a baton.yaml snippet,
 * when the registry has none, or only of another kind.
 * @example
 * const { id, config } = plannerCapability(workspace.registry); // { id: 'planner', config: { kind: 'llm', ... } }
 */
export function plannerCapability(registry: WorkspaceRegistry | undefined): { id: string; config: LlmCapability } {
  const { offering, models } = planners(registry);
  const best = models.reduce<[string, LlmCapability] | undefined>(
    (chosen, entry) =>
      chosen === undefined || (entry[1].skills[PLAN_SKILL] ?? 0) > (chosen[1].skills[PLAN_SKILL] ?? 0) ? entry : chosen,
    undefined,
  );
  if (best !== undefined) return { id: best[0], config: best[1] };
  const why =
    registry === undefined
      ? 'there is no workspace registry (no ./baton.yaml, no --registry, no BATON_REGISTRY)'
      : offering.length > 0
        ? `the registry's capabilities with skill "${PLAN_SKILL}" (${offering.map(([id, c]) => `${id}: ${c.kind}`).join(', ')}) are not of kind llm`
        : `no capability of the workspace registry has skill "${PLAN_SKILL}"`;
  throw new BatonError(
    ErrorCode.badInput,
    `baton plan needs a model to draft with, and ${why}. Add an llm capability with skill "${PLAN_SKILL}" to baton.yaml, for example:\n\n${PLANNER_SNIPPET}\n`,
  );
}
