import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { functionRunner, type Invocation } from '../../src/capabilities/index.js';

const invocation = (input: unknown, signal: AbortSignal): Invocation =>
  ({ runId: 'r', step: 'a', attemptId: 'a/1', idempotencyKey: 'r/a', input, inputs: {}, scope: null, signal }) as never;

describe('a function capability', () => {
  it('leaves no listener on the signal once an attempt is over, whether it succeeded or threw', async () => {
    const runner = functionRunner({
      id: 'half',
      skills: { math: 1 },
      run: (n: number) => {
        if (n < 0) throw new Error('negative');
        return n / 2;
      },
    });
    // One signal for many attempts, as a run's outlives each of them.
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) expect(await runner.invoke(invocation(8, signal))).toBe(4);
    await expect(runner.invoke(invocation(-1, signal))).rejects.toMatchObject({ message: 'negative' });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('still ends an attempt whose function ignores a cancel', async () => {
    const runner = functionRunner({ id: 'stuck', skills: { wait: 1 }, run: () => new Promise(() => undefined) });
    const controller = new AbortController();
    const attempt = runner.invoke(invocation(null, controller.signal));
    controller.abort('cancelled');
    await expect(attempt).rejects.toMatchObject({ error: { type: 'cancelled', retryable: false } });
  });
});
