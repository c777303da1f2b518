import type { TokenUsage } from './events.js';

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
