import { describe, expect, it } from 'vitest';
import { buildRegistry, decide, evolve, type BatonEvent, type Plan, type RunState } from '../../src/core/index.js';
import { checkPlan } from '../../src/core/plan/parse.js';
import { createBaton, type Baton } from '../../src/engine/index.js';
import { chainEvents, EMPTY_HEAD, hashPlan } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

const DAY_1 = Date.parse('2026-03-01T12:00:00.000Z');
const DAY_2 = Date.parse('2026-03-02T09:00:00.000Z');

/** A plan whose one step runs on an `agent` capability. */
const AGENT_PLAN = checkPlan(
  {
    baton: 1,
    name: 'research',
    capabilities: {
      researcher: {
        kind: 'agent',
        skills: { research: 1 },
        provider: 'openai',
        model: 'gpt-4o-mini',
        servers: { memory: { command: ['mcp-server-memory'] } },
        tools: ['memory/read_graph'],
      },
    },
    steps: { research: { skill: 'research', retry: { max: 1 } } },
  },
  (plan) => buildRegistry(plan),
);

/**
 * Records a run of AGENT_PLAN whose first agent attempt fails and whose retry succeeds, as the
 * engine would: every decision is the conductor's own, chained and appended to the store.
 */
async function recordAgentRun(baton: Baton, runId: string, now: number): Promise<void> {
  const at = new Date(now).toISOString();
  const created: BatonEvent = {
    type: 'run.created',
    data: { plan: AGENT_PLAN, planHash: hashPlan(AGENT_PLAN), inputs: {}, registry: buildRegistry(AGENT_PLAN) },
  };
  const events: BatonEvent[] = [created];
  let state = evolve(undefined, { ...created, runId, at }) as RunState;
  const step = (signal?: BatonEvent): void => {
    if (signal) {
      events.push(signal);
      state = evolve(state, { ...signal, at });
    }
    for (const decision of decide(state, { now })) {
      events.push(decision);
      state = evolve(state, { ...decision, at });
    }
  };
  step();
  const attempt = () => state.instances.get('research')?.attemptId as string;
  step({
    type: 'attempt.failed',
    data: { attemptId: attempt(), error: { type: 'http', message: '503', retryable: true }, durationMs: 5 },
  });
  step({
    type: 'attempt.succeeded',
    data: {
      attemptId: attempt(),
      output: 'found it',
      durationMs: 5,
      costUsd: 0.02,
      usage: { inputTokens: 1200, outputTokens: 300 },
    },
  });
  expect(state.status).toBe('succeeded');
  await baton.store.append({
    runId,
    expectedSeq: 0,
    events: chainEvents(runId, EMPTY_HEAD, events, at),
    status: state.status,
    create: { name: AGENT_PLAN.name, planHash: hashPlan(AGENT_PLAN) },
  });
}

const WAITS: Plan = {
  baton: 1,
  name: 'waits',
  steps: { build: { skill: 'work' }, go: { await: { signal: 'go' }, after: ['build'] } },
};

describe('context metrics', () => {
  it('sums runs, steps, agents, cost, tokens and decisions by the day runs were created, from their ledgers', async () => {
    let now = DAY_1;
    const baton = await createBaton({ home: tempDir(), now: () => now, principal: 'test@host' });
    baton.register({ id: 'echo', skills: { work: 1 }, run: (input: unknown) => input });
    await recordAgentRun(baton, 'agent-1', DAY_1);
    now = DAY_2;
    const waiting = await baton.submit(WAITS, { runId: 'waits-1' });
    expect(await waiting.result()).toMatchObject({ status: 'waiting' });
    await baton.reportStatus('waits-1', { agent: 'builder-agent', step: 'build', status: 'done' });

    const metrics = await baton.contextMetrics();
    expect(metrics.window).toEqual({ since: null, runs: 2, limit: 100 });
    expect(metrics.runs).toEqual([
      {
        runId: 'waits-1',
        name: 'waits',
        status: 'running',
        createdAt: '2026-03-02T09:00:00.000Z',
        steps: 2,
        stepsSucceeded: 1,
        agents: {},
        reportingAgents: ['builder-agent'],
        costUsd: 0,
        inputTokens: 0,
        outputTokens: 0,
        decisions: 0,
        pending: 1,
      },
      {
        runId: 'agent-1',
        name: 'research',
        status: 'succeeded',
        createdAt: '2026-03-01T12:00:00.000Z',
        steps: 1,
        stepsSucceeded: 1,
        // The failed attempt and its retry: each spawned the agent once.
        agents: { researcher: 2 },
        reportingAgents: [],
        costUsd: 0.02,
        inputTokens: 1200,
        outputTokens: 300,
        decisions: 0,
        pending: 0,
      },
    ]);
    expect(
      metrics.days.map(({ day, runs, succeeded, agents, steps, pending }) => [
        day,
        runs,
        succeeded,
        agents,
        steps,
        pending,
      ]),
    ).toEqual([
      ['2026-03-01', 1, 1, 2, 1, 0],
      ['2026-03-02', 1, 0, 1, 2, 1],
    ]);
    expect(metrics.totals).toMatchObject({
      runs: 2,
      succeeded: 1,
      failed: 0,
      agents: 3,
      inputTokens: 1200,
      pending: 1,
    });

    // `baton context` shows the same agents for its recent runs, leaving out runs that involved none.
    expect((await baton.context()).agents).toEqual([
      { runId: 'waits-1', spawned: {}, reporting: ['builder-agent'] },
      { runId: 'agent-1', spawned: { researcher: 2 }, reporting: [] },
    ]);

    const since = await baton.contextMetrics({ since: '2026-03-02' });
    expect(since.runs.map((r) => r.runId)).toEqual(['waits-1']);
    expect((await baton.contextMetrics({ runs: 1 })).runs.map((r) => r.runId)).toEqual(['waits-1']);
    await expect(baton.contextMetrics({ runs: 0 })).rejects.toThrow(
      'runs must be a whole number from 1 to 1,000, got 0',
    );
    await expect(baton.contextMetrics({ since: 'March' })).rejects.toThrow(/^since must be a date like 2026-12-01/);
    await baton.close();
  });
});
