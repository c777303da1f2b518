import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CapabilityRunner } from '../../src/capabilities/index.js';
import { buildRegistry, type BatonEvent, type LedgerEvent } from '../../src/core/index.js';
import { checkPlan } from '../../src/core/plan/parse.js';
import { ArtifactStore } from '../../src/engine/artifacts/index.js';
import { Executor } from '../../src/engine/executor.js';
import { planFirstRound, planRound, type RoundRules } from '../../src/engine/run-round.js';
import { replayLedger, verifyChain } from '../../src/ledger/index.js';
import type { WorkItem, WorkOutcome } from '../../src/store/index.js';
import { T0 } from '../core/given.js';

const functions = [{ id: 'fn', kind: 'function' as const, skills: { work: 0.5 } }];
const plan = checkPlan({ baton: 1, name: 'tools', steps: { research: { skill: 'work' } } }, (p) =>
  buildRegistry(p, functions),
);
const created: Extract<BatonEvent, { type: 'run.created' }> = {
  type: 'run.created',
  data: { plan, planHash: 'h', inputs: {}, registry: buildRegistry(plan, functions) },
};
const rules: RoundRules = { claim: null, lapsed: new Set() };
const dir = mkdtempSync(join(tmpdir(), 'baton-tool-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'tool-call-secret-value';
const read = { tool: 'read_text_file', server: 'files', argumentsHash: 'a'.repeat(64), durationMs: 4 };

/** Runs one attempt of `runner` on a real executor and hands back what it reports. */
async function outcomeOf(runner: CapabilityRunner, item: WorkItem): Promise<WorkOutcome> {
  return new Promise((resolve) => {
    const executor = new Executor({
      concurrency: 1,
      runnerFor: () => runner,
      artifacts: new ArtifactStore(join(dir, 'artifacts')),
      now: () => T0,
      runOf: () => ({ plan: { ...plan, constraints: { secrets: ['TOOL_EVENTS_SECRET'] } }, inputs: {} }),
      report: (_item, outcome) => resolve(outcome),
    });
    executor.submit(item);
  });
}

function started() {
  const { state, round } = planFirstRound('r1', created, T0, rules);
  const dispatched = round.events.find((event) => event.type === 'attempt.dispatched');
  if (dispatched?.type !== 'attempt.dispatched') throw new Error('nothing dispatched');
  return { state, round, item: round.batch.enqueue[0] as WorkItem, attemptId: dispatched.data.attemptId };
}

describe('tool calls in the ledger', () => {
  it("writes an attempt's tool calls as events, in call order, just before its outcome and in the same append", async () => {
    const { state, round, item, attemptId } = started();
    process.env.TOOL_EVENTS_SECRET = SECRET;
    const runner: CapabilityRunner = {
      descriptor: { id: 'fn', kind: 'function', skills: { work: 0.5 } },
      invoke: ({ files }) => {
        files.reportToolCall({ ...read, outcome: 'ok' });
        files.reportToolCall({
          ...read,
          tool: 'write_file',
          outcome: 'refused',
          durationMs: 0,
          reason: `no ${SECRET}`,
        });
        return Promise.resolve('done');
      },
    };
    const outcome = await outcomeOf(runner, item);
    const next = planRound(state, round.events.at(-1)!, [outcome], T0 + 10, rules)!;
    expect(next.events.map((event) => event.type).slice(0, 4)).toEqual([
      'attempt.tool_called',
      'attempt.tool_called',
      'attempt.succeeded',
      'step.succeeded',
    ]);
    expect(next.events.slice(0, 2).map((event) => event.data)).toEqual([
      { attemptId, ...read, outcome: 'ok' },
      {
        attemptId,
        ...read,
        tool: 'write_file',
        outcome: 'refused',
        durationMs: 0,
        reason: 'no [redacted:TOOL_EVENTS_SECRET]',
      },
    ]);
    expect(next.events[2]).not.toHaveProperty('toolCalls');
    expect(next.batch.events).toBe(next.events);
    const ledger: LedgerEvent[] = [...round.events, ...next.events];
    expect(verifyChain(ledger)).toMatchObject({ ok: true });
    expect(replayLedger(ledger)).toMatchObject({ ok: true });
  });

  it('keeps the tool calls of a failed attempt too', async () => {
    const { state, round, item } = started();
    const runner: CapabilityRunner = {
      descriptor: { id: 'fn', kind: 'function', skills: { work: 0.5 } },
      invoke: ({ files }) => {
        files.reportToolCall({ ...read, outcome: 'error', reason: 'no such file' });
        return Promise.reject(new Error('gave up'));
      },
    };
    const outcome = await outcomeOf(runner, item);
    const next = planRound(state, round.events.at(-1)!, [outcome], T0 + 10, rules)!;
    expect(next.events.map((event) => event.type).slice(0, 2)).toEqual(['attempt.tool_called', 'attempt.failed']);
  });

  it('writes an outcome without tool calls as it always was', async () => {
    const { item } = started();
    const runner: CapabilityRunner = {
      descriptor: { id: 'fn', kind: 'function', skills: { work: 0.5 } },
      invoke: () => Promise.resolve('done'),
    };
    const outcome = await outcomeOf(runner, item);
    expect(outcome).not.toHaveProperty('toolCalls');
  });
});
