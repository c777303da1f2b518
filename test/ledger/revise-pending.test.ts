import { describe, expect, it } from 'vitest';
import type { BatonEvent, LedgerEvent, Plan, TimedEvent } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, pipelineState } from '../../src/ledger/index.js';
import { BY, governed, type Governed } from '../core/governed.js';

const GATED = {
  baton: 1,
  name: 'gated',
  phases: ['infrastructure', { id: 'execution', gate: { approval: true } }],
  steps: {
    build: { skill: 'work', phase: 'infrastructure' },
    ship: { skill: 'work', phase: 'execution', after: ['build'] },
  },
};

/** The run's ledger as recorded, with `extra` appended as no engine took it in yet (`baton revise` with no engine running). */
function ledger(run: Governed, ...extra: BatonEvent[]): LedgerEvent[] {
  let head = EMPTY_HEAD;
  const events: TimedEvent[] = [
    ...run.log,
    ...extra.map((event) => ({ ...event, at: new Date(run.now).toISOString() })),
  ];
  return events.map((event) => {
    const { at, runId: _runId, ...plain } = event;
    const [entry] = chainEvents('r1', head, [plain as never], at);
    head = { seq: entry!.seq, hash: entry!.hash };
    return entry!;
  });
}

function waitingAtGate(): Governed {
  const run = governed(GATED);
  run.succeed('build/a1', 'built');
  expect(run.pending()).toEqual(['gate:execution']);
  return run;
}

const revised = (run: Governed, plan: unknown): BatonEvent => ({
  type: 'plan.revised',
  data: { revision: 2, plan: plan as Plan, planHash: 'h2', registry: run.state.registry, by: BY, revertOf: null },
});

describe('pending decisions after a revision', () => {
  it('baton state no longer lists the gate decision of the old plan as pending', () => {
    const run = waitingAtGate();
    const ungated = { ...structuredClone(GATED), phases: ['infrastructure', 'execution'] };
    expect(pipelineState(ledger(run)).pending.map((p) => p.id)).toEqual(['gate:execution']);
    const view = pipelineState(ledger(run, revised(run, ungated)));
    expect(view.pending).toEqual([]);
  });

  it('the conductor asks again, under the new plan, when the gate still needs a person', () => {
    const run = waitingAtGate();
    const retitled = { ...structuredClone(GATED), objective: 'ship it carefully' };
    const made = run.signal(revised(run, retitled));
    expect(run.all('decision.requested', made)).toMatchObject([
      { id: 'gate:execution', kind: 'gate', phase: 'execution' },
    ]);
    expect(run.pending()).toEqual(['gate:execution']);
    run.approve('gate:execution');
    expect(run.inflight()).toEqual(['ship@r2/a1']);
    run.expectFixpoint();
  });
});
