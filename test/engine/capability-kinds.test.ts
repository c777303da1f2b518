import { describe, expect, it } from 'vitest';
import {
  buildRegistry,
  CAPABILITY_KINDS,
  planSchemas,
  evolve,
  type LedgerEvent,
  type Plan,
} from '../../src/core/index.js';
import { CAPABILITY_KIND_PLUGINS, runnerFromPlan } from '../../src/capabilities/index.js';
import { workItemOf } from '../../src/engine/work-item.js';

const { CapabilityKind } = planSchemas();

const plan: Plan = {
  baton: 1,
  name: 'kinds',
  capabilities: {
    sh: { kind: 'command', command: ['true'], skills: { run: 1 } },
    reviewer: { kind: 'human', skills: { review: 1 } },
  },
  steps: { run: { skill: 'run' }, review: { skill: 'review' }, work: { skill: 'work' } },
};

describe('capability kind plug-ins', () => {
  it('give every kind a plug-in under its own name, with a runner exactly when the plan makes one', () => {
    for (const kind of CapabilityKind.options) {
      const plugin = CAPABILITY_KIND_PLUGINS[kind];
      const { performer, registeredInCode } = CAPABILITY_KINDS[kind];
      expect(plugin.name).toBe(kind);
      // A sub-plan's runner is made by the engine from the step's child plan (sub-plan-runner.ts): no plan declares one.
      const fromPlan = performer === 'machine' && !registeredInCode && kind !== 'plan';
      expect([kind, plugin.runner !== undefined]).toEqual([kind, fromPlan]);
    }
    expect(runnerFromPlan('sh', plan.capabilities!.sh!, plan)?.descriptor).toMatchObject({ id: 'sh', kind: 'command' });
    expect(runnerFromPlan('reviewer', plan.capabilities!.reviewer!, plan)).toBeUndefined();
  });

  it('queue a machine kind in its lane and nothing for a person', () => {
    const registry = buildRegistry(plan, [{ id: 'fn', kind: 'function', skills: { work: 1 } }]);
    const state = evolve(undefined, {
      type: 'run.created',
      runId: 'r1',
      at: '2026-01-01T00:00:00.000Z',
      data: { plan, planHash: 'h', inputs: {}, registry },
    });
    const dispatch = (step: string, capability: string, seq: number): Parameters<typeof workItemOf>[0] =>
      ({
        type: 'attempt.dispatched',
        runId: 'r1',
        seq,
        at: '2026-01-01T00:00:00.000Z',
        hash: 'h',
        prevHash: 'p',
        data: {
          attemptId: `${step}/a1`,
          step,
          index: null,
          iteration: 0,
          attempt: 1,
          idempotencyKey: `r1/${step}`,
          capability,
          input: null,
          timeoutMs: null,
        },
      }) as Extract<LedgerEvent, { type: 'attempt.dispatched' }>;
    expect(workItemOf(dispatch('run', 'sh', 2), state, null)?.kind).toBe('command');
    expect(workItemOf(dispatch('work', 'fn', 3), state, null)?.kind).toBe('function');
    expect(workItemOf(dispatch('review', 'reviewer', 4), state, null)).toBeUndefined();
  });
});
