import type { TokenUsage } from './events.js';
import type { RunState } from './state.js';

/**
 * Two token counts added up (`sum` absent: nothing yet); the cached count only when there is
 * one, so a plain total stays plain in the ledger and the views.
 * @example
 * addTokens({ inputTokens: 10, outputTokens: 2 }, { inputTokens: 5, outputTokens: 1 }) // { inputTokens: 15, outputTokens: 3 }
 */
export function addTokens(sum: TokenUsage | undefined, usage: TokenUsage): TokenUsage {
  const cached = (sum?.cachedInputTokens ?? 0) + (usage.cachedInputTokens ?? 0);
  return {
    inputTokens: (sum?.inputTokens ?? 0) + usage.inputTokens,
    outputTokens: (sum?.outputTokens ?? 0) + usage.outputTokens,
    ...(cached > 0 && { cachedInputTokens: cached }),
  };
}

/**
 * The tokens every step's model calls used, summed; undefined when none called a model.
 * @example
 * runTokens(state) // { inputTokens: 1200, outputTokens: 300 }
 */
export function runTokens(state: RunState): TokenUsage | undefined {
  let sum: TokenUsage | undefined;
  for (const tokens of state.stepTokens.values()) sum = addTokens(sum, tokens);
  return sum;
}
