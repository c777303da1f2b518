import { describe, expect, it } from 'vitest';
import { parseNotice } from '../../src/store/postgres/notice-listener.js';

describe('parseNotice', () => {
  const outcome = { type: 'attempt.succeeded', data: { attemptId: 'a/a1', output: null, durationMs: 1 } };

  it('reads a bare notice of each topic', () => {
    expect(parseNotice('work:r1')).toEqual({ topic: 'work', runId: 'r1' });
    expect(parseNotice('ledger:r-2.x')).toEqual({ topic: 'ledger', runId: 'r-2.x' });
    expect(parseNotice('outcomes:r1')).toEqual({ topic: 'outcomes', runId: 'r1' });
  });

  it("reads the reports an outcomes notice carries, each named by the notice's run, and the worker's offer", () => {
    const cargo = { worker: 'w1', free: 3, reports: [{ attemptId: 'a/a1', outcome, capability: 'c', skill: null }] };
    expect(parseNotice(`outcomes:r1\n${JSON.stringify(cargo)}`)).toEqual({
      topic: 'outcomes',
      runId: 'r1',
      reports: [{ runId: 'r1', attemptId: 'a/a1', outcome }],
      offer: { workerId: 'w1', free: 3, ran: [{ capability: 'c', skill: null }] },
    });
  });

  it('reads the row a handed notice carries as a work item', () => {
    const row = {
      run_id: 'r1',
      attempt_id: 'a/a1',
      step: 'a',
      capability: 'c',
      idempotency_key: 'r1/a',
      input: '{"n":1}',
      timeout_ms: null,
      enqueued_seq: 4,
      claimed_by: 'w1',
      lease_until: 9_000,
      kind: 'function',
      skill: 's',
      revision: 1,
      outcome: null,
      abandoned: false,
    };
    expect(parseNotice(`handed:r1\n${JSON.stringify(row)}`)?.item).toEqual({
      runId: 'r1',
      attemptId: 'a/a1',
      step: 'a',
      capability: 'c',
      idempotencyKey: 'r1/a',
      input: { n: 1 },
      timeoutMs: null,
      enqueuedSeq: 4,
      claimedBy: 'w1',
      leaseUntil: 9_000,
      kind: 'function',
      skill: 's',
      revision: 1,
      outcome: null,
      abandoned: false,
    });
    // Another run's row under this run's name is not taken.
    expect(parseNotice(`handed:r2\n${JSON.stringify(row)}`)).toEqual({ topic: 'handed', runId: 'r2' });
  });

  it('keeps the wake-up but drops cargo that does not parse, so the subscriber reads the queue', () => {
    expect(parseNotice('outcomes:r1\n{"worker":')).toEqual({ topic: 'outcomes', runId: 'r1' });
    expect(parseNotice('outcomes:r1\n{"worker":"w1","free":1,"reports":[{"attemptId":"a/a1"}]}')).toEqual({
      topic: 'outcomes',
      runId: 'r1',
    });
    expect(parseNotice('outcomes:r1\n[]')).toEqual({ topic: 'outcomes', runId: 'r1' });
    expect(parseNotice('handed:r1\n{"run_id":"r1"}')).toEqual({ topic: 'handed', runId: 'r1' });
  });

  it('ignores payloads that are not one of its topics', () => {
    expect(parseNotice('hello')).toBeUndefined();
    expect(parseNotice('other:r1')).toBeUndefined();
  });
});
