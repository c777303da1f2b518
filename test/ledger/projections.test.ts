import { describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/core/index.js';
import { CapabilityHealthFold, chainEvents, EMPTY_HEAD, runArtifacts } from '../../src/ledger/index.js';

const created: BatonEvent = {
  type: 'run.created',
  data: { plan: { baton: 1, name: 'p', steps: { a: { skill: 's' } } }, planHash: 'h', inputs: {}, registry: {} },
};
const dispatched = (attemptId: string, capability: string): BatonEvent => ({
  type: 'attempt.dispatched',
  data: {
    attemptId,
    step: 'a',
    index: null,
    iteration: 1,
    attempt: 1,
    idempotencyKey: 'k',
    capability,
    input: null,
    timeoutMs: null,
  },
});
const failed = (attemptId: string, message: string): BatonEvent => ({
  type: 'attempt.failed',
  data: { attemptId, error: { type: 'exit_code', message, retryable: true }, durationMs: 1 },
});
const succeeded = (attemptId: string, artifacts?: { name: string; sha256: string; bytes: number }[]): BatonEvent => ({
  type: 'attempt.succeeded',
  data: { attemptId, output: null, durationMs: 1, ...(artifacts && { artifacts }) },
});

describe('capability health', () => {
  it('counts outcomes per capability across runs and calls it by the latest, ignoring abandoned attempts', () => {
    const fold = new CapabilityHealthFold();
    const r1 = chainEvents(
      'r1',
      EMPTY_HEAD,
      [
        created,
        dispatched('a/a1', 'x'),
        failed('a/a1', 'boom'),
        dispatched('a/a2', 'x'),
        succeeded('a/a2'),
        dispatched('a/a3', 'y'),
        { type: 'attempt.abandoned', data: { attemptId: 'a/a3', reason: 'gone' } },
      ],
      '2026-01-01T00:00:00.000Z',
    );
    const r2 = chainEvents(
      'r2',
      EMPTY_HEAD,
      [created, dispatched('a/a1', 'x'), failed('a/a1', 'down')],
      '2026-01-02T00:00:00.000Z',
    );
    // The newer run first: the latest outcome is found by time, not by the order runs are read in.
    for (const event of [...r2, ...r1]) fold.push(event);
    expect(fold.health('x')).toEqual({
      capability: 'x',
      status: 'failing',
      succeeded: 1,
      failed: 2,
      lastOutcomeAt: '2026-01-02T00:00:00.000Z',
      lastError: { type: 'exit_code', message: 'down', retryable: true, at: '2026-01-02T00:00:00.000Z', runId: 'r2' },
    });
    expect(fold.health('y')).toBeUndefined();
  });
});

describe('run artifacts', () => {
  it('lists each name and content once, and marks what a seal covered', () => {
    const ref = (name: string, sha256: string) => ({ name, sha256, bytes: 3 });
    const events = chainEvents(
      'r1',
      EMPTY_HEAD,
      [
        created,
        succeeded('a/a1', [ref('a/x.txt', '1'.repeat(64)), ref('a/y.txt', '2'.repeat(64))]),
        succeeded('a/a2', [ref('a/x.txt', '1'.repeat(64)), ref('a/x.txt', '3'.repeat(64))]),
        { type: 'step.sealed', data: { step: 'a', artifacts: [ref('a/y.txt', '2'.repeat(64))] } },
        { type: 'artifact.sealed', data: { artifact: 'a/x.txt', sha256: '3'.repeat(64), by: 'alice' } },
      ],
      '2026-01-01T00:00:00.000Z',
    );
    expect(runArtifacts(events).map((a) => [a.name, a.sha256[0], a.attemptId, a.sealed])).toEqual([
      ['a/x.txt', '1', 'a/a1', false],
      ['a/y.txt', '2', 'a/a1', true],
      ['a/x.txt', '3', 'a/a2', true],
    ]);
  });
});
