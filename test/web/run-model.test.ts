import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../web/src/api/types.js';
import { applyEvents, emptyModel, progressOf } from '../../web/src/model/run-model.js';

let seq = 0;
function event(type: string, data: Record<string, unknown>, at = seq): LedgerEvent {
  seq += 1;
  return {
    runId: 'r',
    seq,
    type,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, at * 100)).toISOString(),
    data: data as LedgerEvent['data'],
    prevHash: '',
    hash: '',
  };
}

const PLAN = {
  name: 'p',
  phases: ['prep', { id: 'ship', gate: { approval: true } }],
  steps: {
    build: { skill: 'b', phase: 'prep', retry: { max: 1 } },
    deploy: { skill: 'd', phase: 'ship', after: ['build'] },
  },
};

describe("the dashboard's fold of a run's ledger", () => {
  it('tells a retried attempt, the wait before it, a gate asked and answered, and progress', () => {
    seq = 0;
    const events = [
      event('run.created', { plan: PLAN, planHash: 'h', inputs: {}, registry: {}, by: { by: 'token:ops' } }),
      event('phase.opened', { phase: 'prep', from: null, reason: '' }),
      event('step.routed', {
        step: 'build',
        skill: 'b',
        capability: 'builder',
        reason: 'the only one',
        candidates: [],
      }),
      event('attempt.dispatched', {
        attemptId: 'build/a1',
        step: 'build',
        index: null,
        iteration: 0,
        attempt: 1,
        idempotencyKey: 'k',
        capability: 'builder',
        input: null,
        timeoutMs: null,
      }),
      event('attempt.failed', {
        attemptId: 'build/a1',
        error: { type: 'exit', message: 'boom', retryable: true },
        durationMs: 5,
      }),
      event('attempt.retry_scheduled', {
        attemptId: 'build/a1',
        retryAt: '2026-01-01T00:00:01.000Z',
        delayMs: 300,
        retry: 1,
        of: 1,
      }),
      event('attempt.dispatched', {
        attemptId: 'build/a2',
        step: 'build',
        index: null,
        iteration: 0,
        attempt: 2,
        idempotencyKey: 'k',
        capability: 'builder',
        input: null,
        timeoutMs: null,
      }),
      event('attempt.succeeded', { attemptId: 'build/a2', output: { ok: true }, durationMs: 5, costUsd: 0.1 }),
      event('step.succeeded', { step: 'build', output: { ok: true } }),
      event('phase.transition_denied', { from: 'prep', to: 'ship', reason: 'needs approval' }),
      event('decision.requested', {
        id: 'gate:ship',
        kind: 'gate',
        step: null,
        phase: 'ship',
        reason: 'needs approval',
      }),
    ];
    const model = applyEvents(emptyModel(), events);
    const build = model.steps.get('build')!;
    expect(build.status).toBe('succeeded');
    expect(build.attempts.map((a) => [a.attempt, a.outcome, a.error?.message ?? null])).toEqual([
      [1, 'failed', 'boom'],
      [2, 'succeeded', null],
    ]);
    expect(model.waits.filter((w) => w.kind === 'retry').map((w) => [w.step, w.to !== null])).toEqual([
      ['build', true],
    ]);
    expect(model.phases.map((p) => [p.id, p.opened, p.waiting])).toEqual([
      ['prep', true, null],
      ['ship', false, 'needs approval'],
    ]);
    expect(progressOf(model)).toMatchObject({ done: 1, total: 2 });

    applyEvents(model, [
      event('decision.made', { id: 'gate:ship', verdict: 'approved', by: 'token:alice', comment: 'go' }),
    ]);
    expect(model.decisions.get('gate:ship')?.answer).toMatchObject({
      verdict: 'approved',
      by: 'token:alice',
      comment: 'go',
    });
  });

  it('ignores events it has already folded (a reconnect that repeats some)', () => {
    seq = 0;
    const created = event('run.created', { plan: PLAN, planHash: 'h', inputs: {}, registry: {} });
    const routed = event('step.routed', {
      step: 'build',
      skill: 'b',
      capability: 'builder',
      reason: '',
      candidates: [],
    });
    const dispatched = event('attempt.dispatched', {
      attemptId: 'build/a1',
      step: 'build',
      index: null,
      iteration: 0,
      attempt: 1,
      idempotencyKey: 'k',
      capability: 'builder',
      input: null,
      timeoutMs: null,
    });
    const model = applyEvents(emptyModel(), [created, routed, dispatched]);
    applyEvents(model, [dispatched]);
    expect(model.steps.get('build')?.attempts).toHaveLength(1);
    expect(model.seq).toBe(3);
  });
});
