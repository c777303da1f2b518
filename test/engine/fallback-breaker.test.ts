import { describe, expect, it } from 'vitest';
import { createBaton, type LedgerEvent } from '../../src/index.js';
import { replayLedger, routingLog } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

function ofType<K extends LedgerEvent['type']>(events: LedgerEvent[], type: K): Extract<LedgerEvent, { type: K }>[] {
  return events.filter((event): event is Extract<LedgerEvent, { type: K }> => event.type === type);
}

describe('engine: fallback across capabilities and the circuit breaker', () => {
  it('sends the retry of a failed attempt to the next-best function, and the routing log says why', async () => {
    const baton = await createBaton({ home: tempDir(), concurrency: 4 });
    const calls: string[] = [];
    baton.register({
      id: 'primary',
      skills: { fetch: 0.9 },
      run: () => {
        calls.push('primary');
        throw new Error('upstream answered 503');
      },
    });
    baton.register({
      id: 'backup',
      skills: { fetch: 0.5 },
      run: (input: string) => {
        calls.push('backup');
        return `${input} from backup`;
      },
    });
    const run = await baton.submit({
      baton: 1,
      name: 'fallback',
      routing: { fallback: true, breaker: { failures: 1, cool_down: '1h' } },
      steps: {
        get: { skill: 'fetch', input: 'a', retry: { max: 2, backoff: '10ms' } },
        next: { skill: 'fetch', input: 'b', after: ['get'] },
      },
    });
    expect(await run.result()).toMatchObject({
      status: 'succeeded',
      outputs: { get: 'a from backup', next: 'b from backup' },
    });
    expect(calls).toEqual(['primary', 'backup', 'backup']);
    const events = await baton.events(run.runId);
    expect(ofType(events, 'capability.unavailable').map((e) => e.data.capability)).toEqual(['primary']);
    const log = routingLog(events);
    const get = log.find((entry) => entry.step === 'get');
    expect(get?.capability).toBe('primary');
    expect(get?.attempts.map((a) => [a.attemptId, a.outcome])).toEqual([
      ['get/a1', 'failed'],
      ['get/a2', 'succeeded'],
    ]);
    expect(get?.reroutes).toEqual([
      expect.objectContaining({ instance: 'get', from: 'primary', capability: 'backup' }),
    ]);
    expect(get?.reroutes?.[0]?.reason).toMatch(/^passed over "primary" \(its attempt get\/a1 failed\)/);
    // The step routed while the circuit is open passes the primary over with the reason.
    const next = log.find((entry) => entry.step === 'next');
    expect(next?.capability).toBe('backup');
    expect(next?.candidates.find((c) => c.capability === 'primary')?.reason).toMatch(/^unavailable until /);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('wakes at the end of a cool-down to retry on the only capability there is', async () => {
    const baton = await createBaton({ home: tempDir(), concurrency: 4 });
    let calls = 0;
    baton.register({
      id: 'flaky',
      skills: { fetch: 1 },
      run: () => {
        calls += 1;
        if (calls === 1) throw new Error('rate limited');
        return 'ok';
      },
    });
    const run = await baton.submit({
      baton: 1,
      name: 'cool-down',
      routing: { breaker: { failures: 1, cool_down: '150ms' } },
      steps: { get: { capability: 'flaky', retry: { max: 1 } } },
    });
    expect(await run.result()).toMatchObject({ status: 'succeeded', outputs: { get: 'ok' } });
    const events = await baton.events(run.runId);
    const [unavailable] = ofType(events, 'capability.unavailable');
    const [available] = ofType(events, 'capability.available');
    const retry = ofType(events, 'attempt.dispatched').find((e) => e.data.attemptId === 'get/a2');
    expect(unavailable && available && retry).toBeTruthy();
    expect(Date.parse(available!.at)).toBeGreaterThanOrEqual(Date.parse(unavailable!.data.until));
    expect(retry!.seq).toBeGreaterThan(available!.seq);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });
});
