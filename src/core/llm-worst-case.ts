import type { TokenUsage } from './events.js';
import { durationToMs } from './plan/duration.js';
import { LLM_DEFAULTS, type LlmCapability } from './plan/schema.js';

/** An `llm` capability's bounds, its defaults filled in. */
export function llmTokenBounds(config: LlmCapability): { maxInputTokens: number; maxOutputTokens: number } {
  return {
    maxInputTokens: config.max_input_tokens ?? LLM_DEFAULTS.max_input_tokens,
    maxOutputTokens: config.max_output_tokens ?? LLM_DEFAULTS.max_output_tokens,
  };
}

/**
 * What `usage` costs at the capability's price table, in US dollars; undefined without a price.
 * @example
 * llmCost(config, { inputTokens: 1000, outputTokens: 100 }) // 0.00021 at $0.15 / $0.60 per million
 */
export function llmCost(config: LlmCapability, usage: TokenUsage): number | undefined {
  const price = config.price;
  if (price === undefined) return undefined;
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const dollars =
    (usage.inputTokens - cached) * price.input_per_mtok +
    cached * (price.cached_input_per_mtok ?? price.input_per_mtok) +
    usage.outputTokens * price.output_per_mtok;
  return dollars / 1_000_000;
}

/**
 * The descriptor fields of an `llm` capability: its timeout, and with a price its worst case,
 * `max_input_tokens` at the input price plus `max_output_tokens` at the output price. The
 * runner refuses a longer prompt and passes the output bound to the model, so this is a bound
 * the conductor can reserve against the budget, not a guess.
 * @example
 * llmDescription({ kind: 'llm', provider: 'openai', model: 'gpt-4o-mini', skills: {}, price: { input_per_mtok: 1, output_per_mtok: 2 } })
 * // { costUsd: 0.016192 } (8,000 tokens in, 4,096 out)
 */
export function llmDescription(config: LlmCapability): { timeoutMs?: number; costUsd?: number } {
  const { maxInputTokens, maxOutputTokens } = llmTokenBounds(config);
  const worstCase = llmCost(config, { inputTokens: maxInputTokens, outputTokens: maxOutputTokens });
  return {
    ...(config.timeout !== undefined && { timeoutMs: durationToMs(config.timeout) }),
    ...(worstCase !== undefined && { costUsd: worstCase }),
  };
}
