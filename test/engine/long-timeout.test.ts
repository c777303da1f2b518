import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/engine/long-timeout.js';

const DAY = 86_400_000;

describe('setLongTimeout', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning);

  afterEach(() => {
    vi.useRealTimers();
    process.off('warning', onWarning);
    warnings.length = 0;
  });

  it('fires a 30-day timer once, after 30 days and not before, without a TimeoutOverflowWarning', async () => {
    process.on('warning', onWarning);
    vi.useFakeTimers();
    let fired = 0;
    setLongTimeout(() => (fired += 1), 30 * DAY);
    await vi.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(fired).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toBe(1);
    await vi.advanceTimersByTimeAsync(60 * DAY);
    expect(fired).toBe(1);
    // Warnings are emitted on the next tick.
    vi.useRealTimers();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((warning) => warning.name === 'TimeoutOverflowWarning')).toEqual([]);
  });

  it('fires exactly at the edge of one chunk and just past it', async () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const start = Date.now();
    setLongTimeout(() => fired.push(Date.now() - start), MAX_TIMER_MS);
    setLongTimeout(() => fired.push(Date.now() - start), MAX_TIMER_MS + 1);
    await vi.advanceTimersByTimeAsync(2 * MAX_TIMER_MS);
    expect(fired).toEqual([MAX_TIMER_MS, MAX_TIMER_MS + 1]);
  });

  it('never fires once cancelled, in the first chunk or a later one', async () => {
    vi.useFakeTimers();
    let fired = 0;
    setLongTimeout(() => (fired += 1), 40 * DAY).cancel();
    const later = setLongTimeout(() => (fired += 1), 40 * DAY);
    await vi.advanceTimersByTimeAsync(30 * DAY);
    later.cancel();
    await vi.advanceTimersByTimeAsync(30 * DAY);
    expect(fired).toBe(0);
  });
});
