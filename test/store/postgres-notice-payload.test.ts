import { describe, expect, it } from 'vitest';
import { parseNotice } from '../../src/store/postgres/notice-listener.js';

describe('parseNotice', () => {
  const outcome = { type: 'attempt.succeeded', data: { attemptId: 'a/a1', output: null, durationMs: 1 } };

  it('reads a bare notice of each topic', () => {
    expect(parseNotice('work:r1')).toEqual({ topic: 'work', runId: 'r1' });
    expect(parseNotice('ledger:r-2.x')).toEqual({ topic: 'ledger', runId: 'r-2.x' });
    expect(parseNotice('outcomes:r1')).toEqual({ topic: 'outcomes', runId: 'r1' });
  });

  it("reads the reports an outcomes notice carries, each named by the notice's run", () => {
    const payload = `outcomes:r1\n${JSON.stringify([{ attemptId: 'a/a1', outcome }])}`;
    expect(parseNotice(payload)).toEqual({
      topic: 'outcomes',
      runId: 'r1',
      reports: [{ runId: 'r1', attemptId: 'a/a1', outcome }],
    });
  });

  it('keeps the wake-up but drops reports that do not parse, so the conductor reads the queue', () => {
    expect(parseNotice('outcomes:r1\n[{"attemptId":')).toEqual({ topic: 'outcomes', runId: 'r1' });
    expect(parseNotice('outcomes:r1\n[{"attemptId":"a/a1"}]')).toEqual({ topic: 'outcomes', runId: 'r1' });
    expect(parseNotice('outcomes:r1\n{"attemptId":"a/a1"}')).toEqual({ topic: 'outcomes', runId: 'r1' });
  });

  it('ignores payloads that are not one of its topics', () => {
    expect(parseNotice('hello')).toBeUndefined();
    expect(parseNotice('other:r1')).toBeUndefined();
  });
});
