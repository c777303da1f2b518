import { llmDescription } from './llm-worst-case.js';
import { durationToMs } from './plan/duration.js';
import { AGENT_DEFAULT_MAX_STEPS, type AgentCapability, type LlmCapability } from './plan/schema.js';

/**
 * The model an `agent` calls, as an `llm` config: so the agent reuses the `llm` kind's bounds,
 * prices and provider factory rather than a copy of them.
 * @example
 * agentModel(agent) // { kind: 'llm', provider: 'openai', model: 'gpt-4o-mini', skills: {}, ... }
 */
export function agentModel(config: AgentCapability): LlmCapability {
  return {
    kind: 'llm',
    skills: config.skills,
    provider: config.provider,
    model: config.model,
    ...(config.base_url !== undefined && { base_url: config.base_url }),
    ...(config.api_key_env !== undefined && { api_key_env: config.api_key_env }),
    ...(config.max_input_tokens !== undefined && { max_input_tokens: config.max_input_tokens }),
    ...(config.max_output_tokens !== undefined && { max_output_tokens: config.max_output_tokens }),
    ...(config.price !== undefined && { price: config.price }),
    ...(config.limit !== undefined && { limit: config.limit }),
  };
}

/** The model calls an agent makes at most: its `max_steps`, default filled in. */
export function agentMaxSteps(config: AgentCapability): number {
  return config.max_steps ?? AGENT_DEFAULT_MAX_STEPS;
}

/**
 * The descriptor fields of an `agent` capability: its timebox, and with a price its worst case,
 * `max_steps` model calls at the `llm` worst case each. The runner stops the loop before a step
 * that could pass it (see the agent runner), so the conductor can reserve it against the budget.
 * @example
 * agentDescription({ ...agent, max_steps: 3, price: { input_per_mtok: 1, output_per_mtok: 2 } })
 * // { costUsd: 0.048576 } (about: 3 x (8,000 tokens in + 4,096 out))
 */
export function agentDescription(config: AgentCapability): { timeoutMs?: number; costUsd?: number } {
  const perStep = llmDescription(agentModel(config)).costUsd;
  return {
    ...(config.timeout !== undefined && { timeoutMs: durationToMs(config.timeout) }),
    ...(perStep !== undefined && { costUsd: perStep * agentMaxSteps(config) }),
  };
}
