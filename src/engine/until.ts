import { BatonError, durationToMs, ErrorCode } from '../core/index.js';

/**
 * When a deferred step may start: an ISO 8601 time, or a duration from `now` (`90s`, `10m`,
 * `2h`). `what` names the argument in the error (`--until`, `until`).
 * @example parseUntil('10m', Date.now()) // now + 600000
 */
export function parseUntil(value: string, now: number, what = '--until'): number {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value)) return now + durationToMs(value);
  const at = Date.parse(value);
  if (!Number.isFinite(at) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new BatonError(
      ErrorCode.badInput,
      `${what} expects an ISO 8601 time (2026-12-01T09:00:00Z) or a duration from now (90s, 10m, 2h), got ${JSON.stringify(value.slice(0, 100))}`,
    );
  }
  return at;
}
