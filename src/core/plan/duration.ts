/**
 * Durations in plans are strings such as `500ms`, `2s`, `1.5m`, `1h`, `1d`.
 * Kept as strings in the plan (the user's words survive a round trip) and converted to
 * milliseconds only where a number is needed.
 */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * @example durationToMs('1.5s') // 1500
 */
export function durationToMs(duration: string): number {
  const match = DURATION_PATTERN.exec(duration);
  if (!match) throw new RangeError(`not a duration: ${JSON.stringify(duration)} (expected e.g. 500ms, 2s, 5m, 1h)`);
  const [, amount, unit] = match;
  return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
}
