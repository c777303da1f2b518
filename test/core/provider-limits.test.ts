import { describe, expect, it } from 'vitest';
import {
  admitLease,
  describeHold,
  limitKeyOf,
  outcomeEvents,
  reservedTokens,
  type AttemptHold,
  type BatonEvent,
  type LeaseUse,
} from '../../src/core/index.js';
import { given, plan } from './given.js';

const HOLD: AttemptHold = {
  key: 'openai',
  limit: 'tokens_per_minute',
  since: '2026-01-01T00:00:01.000Z',
  until: '2026-01-01T00:00:03.500Z',
  admitted: true,
};

describe('provider limits (core)', () => {
  it('names the limit that frees last when several hold a call', () => {
    const leases: LeaseUse[] = [
      { acquiredAt: 0, expiresAt: 5_000, releasedAt: null, tokens: 500 },
      { acquiredAt: 0, expiresAt: 60_000, releasedAt: 100, tokens: 400 },
    ];
    // Concurrency frees at 5,000 (the live lease's expiry); tokens only at 60,100.
    expect(
      admitLease({ concurrent: 1, tokens_per_minute: 1_000 }, leases, { tokens: 200, now: 200, windowMs: 60_000 }),
    ).toEqual({
      admitted: false,
      limit: 'tokens_per_minute',
      retryAt: 60_100,
    });
    expect(
      admitLease({ concurrent: 2, tokens_per_minute: 1_100 }, leases, { tokens: 200, now: 200, windowMs: 60_000 }),
    ).toEqual({
      admitted: true,
    });
  });

  it("draws a model capability on its `limit:`, else its provider, with its bounds' worth of tokens", () => {
    const llm = { kind: 'llm' as const, provider: 'openai' as const, model: 'm', skills: {} };
    expect(limitKeyOf(llm)).toBe('openai');
    expect(limitKeyOf({ ...llm, limit: 'shared' })).toBe('shared');
    expect(limitKeyOf({ kind: 'command', command: ['true'], skills: {} })).toBeUndefined();
    expect(reservedTokens(llm)).toBe(8_000 + 4_096);
    expect(reservedTokens({ ...llm, max_input_tokens: 100, max_output_tokens: 50 })).toBe(150);
  });

  it('writes holds, then tool calls, then the outcome; an outcome with neither as it is', () => {
    const outcome = { type: 'attempt.succeeded', data: { attemptId: 'a/a1', output: 1, durationMs: 5 } } as const;
    const call = { tool: 't', server: 's', argumentsHash: 'h', outcome: 'ok' as const, durationMs: 1 };
    expect(outcomeEvents({ ...outcome, holds: [HOLD], toolCalls: [call] }).map((event) => event.type)).toEqual([
      'attempt.held',
      'attempt.tool_called',
      'attempt.succeeded',
    ]);
    expect(outcomeEvents({ ...outcome, holds: [HOLD] })[0]).toEqual({
      type: 'attempt.held',
      data: { attemptId: 'a/a1', ...HOLD },
    });
    expect(outcomeEvents(outcome)).toEqual([outcome]);
    expect(describeHold(HOLD)).toBe('held 2.5 s by limits.openai.tokens_per_minute');
    expect(describeHold({ ...HOLD, admitted: false })).toContain('(the attempt ended while held)');
  });

  it('folds a hold onto its step for status, and decides nothing on it', () => {
    const run = given(plan({ a: {}, b: { after: ['a'] } }));
    const held: BatonEvent = { type: 'attempt.held', data: { attemptId: 'a/a1', ...HOLD } };
    expect(run.signal(held)).toEqual([]);
    expect(run.signal({ ...held, data: { ...held.data, limit: 'concurrent' } })).toEqual([]);
    expect(run.state.stepHolds.get('a')).toEqual({ times: 2, last: { ...HOLD, limit: 'concurrent' } });
    // The same run without the holds decides the same.
    const plain = given(plan({ a: {}, b: { after: ['a'] } }));
    expect(run.succeed('a/a1')).toEqual(plain.succeed('a/a1'));
    // A hold of an attempt no longer in flight is not the step's any more.
    run.signal(held);
    expect(run.state.stepHolds.get('a')?.times).toBe(2);
  });
});
