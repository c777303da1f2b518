/**
 * Node's timers hold at most 2^31-1 ms (about 24.8 days): a longer delay is clamped to 1 ms,
 * with a TimeoutOverflowWarning, so a plan's `timeout: 30d` would fire at once. Every timer
 * that waits on a duration from a plan or a user goes through `setLongTimeout`.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  /** Stops the timer; calling it again, or after it fired, does nothing. */
  cancel(): void;
}

/**
 * Calls `fire` once after `ms`, re-arming in chunks of at most {@link MAX_TIMER_MS}.
 * `unref: true` lets the process exit while only this timer is left.
 * @example
 * const timer = setLongTimeout(() => controller.abort(), durationToMs('30d'));
 * timer.cancel();
 */
export function setLongTimeout(fire: () => void, ms: number, options: { unref?: boolean } = {}): LongTimeout {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (left: number): void => {
    const chunk = Math.min(Math.max(0, left), MAX_TIMER_MS);
    timer = setTimeout(() => {
      if (cancelled) return;
      if (left > MAX_TIMER_MS) arm(left - MAX_TIMER_MS);
      else fire();
    }, chunk);
    if (options.unref === true) timer.unref();
  };
  arm(ms);
  return {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
