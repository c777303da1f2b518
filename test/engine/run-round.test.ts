import { describe, expect, it } from 'vitest';
import { buildRegistry, ConflictError, type BatonEvent, type RunState } from '../../src/core/index.js';
import { checkPlan } from '../../src/core/plan/parse.js';
import { afterFailedAppend, MAX_CONFLICTS } from '../../src/engine/append-failure.js';
import { planFirstRound, planRound, type PlannedRound, type RoundRules } from '../../src/engine/run-round.js';
import { lapsedLeases, recoverySignals } from '../../src/engine/work-recovery.js';
import { LockLostError, type WorkItem } from '../../src/store/index.js';
import { T0 } from '../core/given.js';

const functions = [{ id: 'fn', kind: 'function' as const, skills: { work: 0.5 } }];
const plan = checkPlan(
  {
    baton: 1,
    name: 'round',
    capabilities: { reviewer: { kind: 'human', skills: { review: 1 } } },
    steps: { build: { skill: 'work' }, review: { skill: 'review' } },
  },
  (p) => buildRegistry(p, functions),
);
const created: Extract<BatonEvent, { type: 'run.created' }> = {
  type: 'run.created',
  data: { plan, planHash: 'h', inputs: {}, registry: buildRegistry(plan, functions) },
};
const queue: RoundRules = { claim: null, lapsed: new Set() };

function dispatched(round: PlannedRound, step: string): string {
  const event = round.events.find((e) => e.type === 'attempt.dispatched' && e.data.step === step);
  if (event?.type !== 'attempt.dispatched') throw new Error(`no dispatch of ${step}`);
  return event.data.attemptId;
}

function started(rules: RoundRules = queue): { state: RunState; round: PlannedRound; build: string } {
  const { state, round } = planFirstRound('r1', created, T0, rules);
  return { state, round, build: dispatched(round, 'build') };
}

describe('the run round', () => {
  it('creates the run with its first decisions, and queues only the machine work, unclaimed for any worker', () => {
    const { round, build } = started();
    expect(round.events[0]).toMatchObject({ seq: 1, type: 'run.created', runId: 'r1' });
    expect(round.events.map((e) => e.seq)).toEqual(round.events.map((_, i) => i + 1));
    dispatched(round, 'review'); // a person's task is dispatched too, but gets no queue item
    expect(round.batch).toMatchObject({ runId: 'r1', expectedSeq: 0, status: 'running', dequeue: [], abandon: [] });
    expect(round.batch.enqueue.map((item) => [item.attemptId, item.claimedBy, item.kind])).toEqual([
      [build, null, 'function'],
    ]);
    expect(round.start).toEqual([]);
  });

  it('starts the work itself, queuing none, when this engine runs it in its own process', () => {
    const { round, build } = started({ claim: { by: 'engine-1' }, lapsed: new Set() });
    expect(round.start.map((item) => [item.attemptId, item.claimedBy, item.kind])).toEqual([
      [build, 'engine-1', 'function'],
    ]);
    expect(round.batch.enqueue).toEqual([]);
  });

  it('puts the signals before the decisions they lead to, dequeues reported work, and has nothing to say after', () => {
    const { state, round, build } = started();
    const head = round.events.at(-1)!;
    const outcome: BatonEvent = { type: 'attempt.succeeded', data: { attemptId: build, output: 1, durationMs: 5 } };
    const next = planRound(state, head, [outcome], T0 + 10, queue)!;
    expect(next.events[0]).toMatchObject({ seq: head.seq + 1, prevHash: head.hash, type: 'attempt.succeeded' });
    expect(next.events.map((e) => e.type)).toContain('step.succeeded');
    expect(next.batch).toMatchObject({ expectedSeq: head.seq, dequeue: [build], abandon: [], enqueue: [] });
    expect(planRound(state, next.events.at(-1)!, [], T0 + 10, queue)).toBeNull();
  });

  it('keeps the item of an attempt whose lease lapsed, so its late result is recorded as stale', () => {
    const { state, round, build } = started();
    const abandoned: BatonEvent = { type: 'attempt.abandoned', data: { attemptId: build, reason: 'lease' } };
    const lapsed = planRound(structuredClone(state), round.events.at(-1)!, [abandoned], T0 + 10, {
      claim: null,
      lapsed: new Set([build]),
    })!;
    expect([lapsed.batch.abandon, lapsed.batch.dequeue]).toEqual([[build], []]);
    const lost = planRound(state, round.events.at(-1)!, [abandoned], T0 + 10, queue)!;
    expect([lost.batch.abandon, lost.batch.dequeue[0]]).toEqual([[], build]);
  });

  it('stops and dequeues the attempt of a step an operator cancels', () => {
    const { state, round, build } = started();
    const cancel: BatonEvent = { type: 'step.cancel_requested', data: { step: 'build', by: 'op', reason: null } };
    const next = planRound(state, round.events.at(-1)!, [cancel], T0 + 10, queue)!;
    expect(next.cancel).toEqual([build]);
    expect(next.batch.dequeue).toContain(build);
  });
});

describe('recovering work on resume', () => {
  const item = (attemptId: string, change: Partial<WorkItem> = {}): WorkItem =>
    ({ attemptId, claimedBy: 'w1', leaseUntil: T0 + 100, abandoned: false, outcome: null, ...change }) as WorkItem;
  const resumption = { engine: 'engine-2', reason: 'crash', workOutlivesEngine: true };

  it("keeps a worker's item and a person's task, and abandons machine work no worker holds", () => {
    const { state, build } = started();
    expect(recoverySignals(state, [item(build)], resumption)).toEqual([
      { type: 'run.resumed', data: { engine: 'engine-2', reason: 'crash' } },
    ]);
    expect(recoverySignals(state, [], { ...resumption, by: 'alice' })).toEqual([
      { type: 'run.resumed', data: { engine: 'engine-2', reason: 'crash', by: 'alice' } },
      { type: 'attempt.abandoned', data: { attemptId: build, reason: 'no worker holds it' } },
    ]);
  });

  it('abandons the work an engine ran in its own process, which stopped with it, and what another left queued', () => {
    const { state, build } = started();
    const stopped = (attemptId: string) => ({
      type: 'attempt.abandoned',
      data: { attemptId, reason: 'the engine running it stopped before it reported' },
    });
    const inProcess = { ...resumption, workOutlivesEngine: false };
    expect(recoverySignals(state, [], inProcess).slice(1)).toEqual([stopped(build)]);
    expect(recoverySignals(state, [item(build)], inProcess).slice(1)).toEqual([stopped(build)]);
  });

  it('gives up a lapsed lease once, and never one with an outcome or one not in flight', () => {
    const { state, build } = started();
    expect(lapsedLeases(state, [item(build)], T0 + 100, new Set())).toEqual([]);
    expect(lapsedLeases(state, [item(build)], T0 + 101, new Set()).map((e) => e.data.reason)).toEqual([
      'its lease expired: worker w1 stopped renewing it',
    ]);
    expect(lapsedLeases(state, [item(build)], T0 + 101, new Set([build]))).toEqual([]);
    const outcome = { type: 'attempt.failed' } as WorkItem['outcome'];
    expect(lapsedLeases(state, [item(build, { outcome })], T0 + 101, new Set())).toEqual([]);
    expect(lapsedLeases(state, [item('other/a1')], T0 + 101, new Set())).toEqual([]);
  });
});

describe('a failed append', () => {
  it('is retried after a conflict, up to a limit; anything else stops the engine', () => {
    expect(afterFailedAppend('r1', new ConflictError('moved'), 1).stop).toBeNull();
    expect(afterFailedAppend('r1', new ConflictError('moved'), MAX_CONFLICTS + 1).stop?.message).toMatch(
      /20 appends in a row conflicted/,
    );
    const lost = new LockLostError('taken over');
    expect(afterFailedAppend('r1', lost, 1).stop).toBe(lost);
    expect(afterFailedAppend('r1', new Error('disk full'), 1).stop?.message).toBe('disk full');
  });
});
