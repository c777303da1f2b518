import type { TokenUsage } from '../core/index.js';

/**
 * Token counts as status and log lines show them.
 * @example
 * formatTokens({ inputTokens: 1200, outputTokens: 80, cachedInputTokens: 1000 }) // '1200 in (1000 cached) / 80 out tokens'
 */
export function formatTokens(usage: TokenUsage): string {
  const cached = usage.cachedInputTokens ? ` (${usage.cachedInputTokens} cached)` : '';
  return `${usage.inputTokens} in${cached} / ${usage.outputTokens} out tokens`;
}

/** Dollars to the micro-dollar, where a token's price shows. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
