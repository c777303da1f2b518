import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/engine/index.js';
import {
  expectDocumented,
  expectError,
  PLANS,
  settledRun,
  startServer,
  storeSnapshot,
  submit,
  waitFor,
  waitForEvent,
  type Server,
} from './harness.js';
import { readSse } from './sse-reader.js';

/**
 * Every route: a success (its answer held to the schema it documents, and its effect checked
 * in the ledger or store), bad input (a 400 naming where, and nothing written), no token
 * (401) and a token without the route's scope (403). A route without a case here fails the
 * last test, so a new route cannot go untested.
 */

type Request = [
  method: string,
  path: string,
  options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
];

interface Case {
  /** The route's operation id. */
  id: string;
  ok(s: Server): Promise<void>;
  /** Prepares what the request needs, and returns the bad request and where its problem is. */
  bad(s: Server): Promise<{ request: Request; path: (string | number)[]; code?: string }>;
}

const revisedGated = {
  ...PLANS.gated,
  steps: { ...PLANS.gated.steps, deploy: { ...PLANS.gated.steps.deploy, input: 'revised' } },
};

async function gatedRun(s: Server): Promise<string> {
  const runId = await submit(s, PLANS.gated);
  await settledRun(s, runId);
  return runId;
}

const cases: Case[] = [
  {
    id: 'validatePlan',
    ok: async (s) => {
      const body = await expectDocumented(
        s,
        'validatePlan',
        await s.call('POST', '/v1/plans/validate', { token: s.tokens.read, body: { plan: PLANS.gated } }),
        200,
      );
      expect(body).toEqual({ valid: true, name: 'gated', steps: 2, capabilities: 0 });
    },
    bad: async () => ({
      request: [
        'POST',
        '/v1/plans/validate',
        { body: { plan: { baton: 1, name: 'x', steps: { a: { skil: 'work' } } } } },
      ],
      path: ['body', 'plan', 'steps', 'a', 'skil'],
      code: 'plan_invalid',
    }),
  },
  {
    id: 'preflightPlan',
    ok: async (s) => {
      const report = (await expectDocumented(
        s,
        'preflightPlan',
        await s.call('POST', '/v1/plans/preflight', { token: s.tokens.read, body: { plan: PLANS.gated } }),
        200,
      )) as { problems: string[]; steps: { step: string; capability: string }[] };
      expect(report.problems).toEqual([]);
      expect(report.steps.map((step) => [step.step, step.capability])).toEqual([
        ['build', 'worker'],
        ['deploy', 'worker'],
      ]);
      expect(await s.baton.listRuns()).toEqual([]);
    },
    bad: async () => ({ request: ['POST', '/v1/plans/preflight', { body: {} }], path: ['body', 'plan'] }),
  },
  {
    id: 'listRuns',
    ok: async (s) => {
      for (const runId of ['r1', 'r2', 'r3']) await submit(s, PLANS.quick, { runId });
      const first = (await expectDocumented(
        s,
        'listRuns',
        await s.call('GET', '/v1/runs?limit=2', { token: s.tokens.read }),
        200,
      )) as { runs: { runId: string }[]; next: string };
      expect(first.runs).toHaveLength(2);
      const second = (await expectDocumented(
        s,
        'listRuns',
        await s.call('GET', `/v1/runs?limit=2&cursor=${first.next}`, { token: s.tokens.read }),
        200,
      )) as { runs: { runId: string }[]; next: string | null };
      expect([...first.runs, ...second.runs].map((run) => run.runId).sort()).toEqual(['r1', 'r2', 'r3']);
      expect(second.next).toBeNull();
    },
    bad: async () => ({ request: ['GET', '/v1/runs?limit=0'], path: ['query', 'limit'] }),
  },
  {
    id: 'getRun',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const run = (await expectDocumented(
        s,
        'getRun',
        await s.call('GET', `/v1/runs/${runId}`, { token: s.tokens.read }),
        200,
      )) as { status: string; pending: { id: string }[] };
      expect(run.status).toBe('waiting');
      expect(run.pending.map((p) => p.id)).toEqual(['gate:ship']);
    },
    bad: async () => ({ request: ['GET', '/v1/runs/no%20spaces'], path: ['path', 'id'] }),
  },
  {
    id: 'runGauges',
    ok: async (s) => {
      const gated = await gatedRun(s);
      const quick = await submit(s, { ...PLANS.quick, constraints: { budget_usd: 2, deadline: '1h' } });
      await waitFor(
        () => s.baton.getRun(quick),
        ({ state }) => state.status === 'succeeded',
      );
      const body = (await expectDocumented(
        s,
        'runGauges',
        await s.call('GET', `/v1/gauges?runs=${quick},${gated},nope`, { token: s.tokens.read }),
        200,
      )) as {
        gauges: {
          runId: string;
          status: string;
          steps: Record<string, number>;
          budget: { limitUsd: number | null };
          createdAt: string;
          deadlineAt: string | null;
        }[];
        missing: string[];
      };
      expect(body.missing).toEqual(['nope']);
      expect(body.gauges.map((g) => [g.runId, g.status, g.steps.total, g.steps.succeeded])).toEqual([
        [quick, 'succeeded', 1, 1],
        [gated, 'waiting', 2, 1],
      ]);
      expect(body.gauges[0]?.budget.limitUsd).toBe(2);
      expect(Date.parse(body.gauges[0]!.deadlineAt!) - Date.parse(body.gauges[0]!.createdAt)).toBe(3_600_000);
      expect(body.gauges[1]?.deadlineAt).toBeNull();
    },
    bad: async () => ({ request: ['GET', '/v1/gauges?runs=ok,no%20spaces'], path: ['query', 'runs', 1] }),
  },
  {
    id: 'listSteps',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const { steps } = (await expectDocumented(
        s,
        'listSteps',
        await s.call('GET', `/v1/runs/${runId}/steps`, { token: s.tokens.read }),
        200,
      )) as { steps: { step: string; status: string; output: unknown }[] };
      expect(steps.map((step) => [step.step, step.status, step.output])).toEqual([
        ['build', 'succeeded', 'b'],
        ['deploy', 'ready', null],
      ]);
    },
    bad: async (s) => ({
      request: ['GET', `/v1/runs/${await gatedRun(s)}/steps?verbose=1`],
      path: ['query', 'verbose'],
    }),
  },
  {
    id: 'getStep',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const detail = (await expectDocumented(
        s,
        'getStep',
        await s.call('GET', `/v1/runs/${runId}/steps/build`, { token: s.tokens.read }),
        200,
      )) as { step: { status: string }; routing: { capability: string; reason: string }[] };
      expect(detail.step.status).toBe('succeeded');
      expect(detail.routing.map((entry) => entry.capability)).toEqual(['worker']);
    },
    bad: async (s) => ({
      request: ['GET', `/v1/runs/${await gatedRun(s)}/steps/${'x'.repeat(201)}`],
      path: ['path', 'step'],
    }),
  },
  {
    id: 'submitRun',
    ok: async (s) => {
      const response = await s.call('POST', '/v1/runs', {
        token: s.tokens.operate,
        body: { plan: PLANS.quick, inputs: { n: 21 }, runId: 'mine-1' },
      });
      expect(response.headers.get('location')).toBe('/v1/runs/mine-1');
      expect(await expectDocumented(s, 'submitRun', response, 201)).toMatchObject({ runId: 'mine-1', created: true });
      const { state } = await waitFor(
        () => s.baton.getRun('mine-1'),
        ({ state: run }) => run.status === 'succeeded',
      );
      expect(state.steps.one?.output).toBe(21);
      const [created] = await s.baton.events('mine-1', 0, 1);
      expect(created?.data).toMatchObject({ by: 'token:operate', inputs: { n: 21 } });
      // The same id, plan and inputs again is not a second run.
      expect(
        await expectDocumented(
          s,
          'submitRun',
          await s.call('POST', '/v1/runs', {
            token: s.tokens.operate,
            body: { plan: PLANS.quick, inputs: { n: 21 }, runId: 'mine-1' },
          }),
          200,
        ),
      ).toMatchObject({ runId: 'mine-1', created: false });
      expect(await s.baton.listRuns()).toHaveLength(1);
    },
    bad: async () => ({
      request: ['POST', '/v1/runs', { body: { plan: PLANS.quick, inputs: { n: 'five' } } }],
      path: ['body', 'inputs', 'n'],
    }),
  },
  {
    id: 'resumeRun',
    ok: async (s) => {
      const runId = await gatedRun(s);
      expect((await s.call('POST', `/v1/runs/${runId}/pause`, { token: s.tokens.operate })).status).toBe(202);
      await waitForEvent(s.baton, runId, (e) => e.type === 'run.paused');
      // The answer tells the status when the request was taken; the lift is recorded at the conductor's next round.
      expect(
        await expectDocumented(
          s,
          'resumeRun',
          await s.call('POST', `/v1/runs/${runId}/resume`, { token: s.tokens.operate }),
          202,
        ),
      ).toMatchObject({ runId });
      await waitForEvent(s.baton, runId, (e) => e.type === 'run.unpaused' && e.data.by === 'token:operate');
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.paused === null,
      );
    },
    bad: async (s) => ({ request: ['POST', `/v1/runs/${await gatedRun(s)}/resume?now=1`], path: ['query', 'now'] }),
  },
  {
    id: 'readLedger',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const page = (await expectDocumented(
        s,
        'readLedger',
        await s.call('GET', `/v1/runs/${runId}/ledger?after=1&limit=2`, { token: s.tokens.read }),
        200,
      )) as { events: { seq: number }[]; next: number };
      expect(page.events.map((e) => e.seq)).toEqual([2, 3]);
      expect(page.next).toBe(3);
      expect(page.events).toEqual(await s.baton.events(runId, 1, 2));
    },
    bad: async (s) => ({ request: ['GET', `/v1/runs/${await gatedRun(s)}/ledger?after=-1`], path: ['query', 'after'] }),
  },
  {
    id: 'verifyRun',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const verdict = (await expectDocumented(
        s,
        'verifyRun',
        await s.call('GET', `/v1/runs/${runId}/verify`, { token: s.tokens.read }),
        200,
      )) as { ok: boolean; events: number };
      expect(verdict).toMatchObject({ ok: true, events: (await s.baton.events(runId)).length });
    },
    bad: async (s) => ({ request: ['GET', `/v1/runs/${await gatedRun(s)}/verify?deep=1`], path: ['query', 'deep'] }),
  },
  {
    id: 'getPipelineState',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const state = (await expectDocumented(
        s,
        'getPipelineState',
        await s.call('GET', `/v1/runs/${runId}/state`, { token: s.tokens.read }),
        200,
      )) as { status: string; currentPhase: string; pending: { id: string }[] };
      expect(state).toMatchObject({ status: 'waiting', currentPhase: 'prep', pending: [{ id: 'gate:ship' }] });
    },
    bad: async (s) => ({ request: ['GET', `/v1/runs/${await gatedRun(s)}/state?md=1`], path: ['query', 'md'] }),
  },
  {
    id: 'getPipelineStateMarkdown',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const response = await s.call('GET', `/v1/runs/${runId}/state.md`, { token: s.tokens.read });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
      const text = await response.text();
      expect(text).toContain(`# Pipeline state: gated (\`${runId}\`)`);
      expect(text).toContain('**Status:** waiting');
      expect(text).toContain('gate:ship');
    },
    bad: async (s) => ({ request: ['GET', `/v1/runs/${await gatedRun(s)}/state.md?json=1`], path: ['query', 'json'] }),
  },
  {
    id: 'getRoutingLog',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const log = (await expectDocumented(
        s,
        'getRoutingLog',
        await s.call('GET', `/v1/runs/${runId}/routing`, { token: s.tokens.read }),
        200,
      )) as { step: string; outcome: string }[];
      expect(log.map((entry) => [entry.step, entry.outcome])).toEqual([['build', 'succeeded']]);
    },
    bad: async (s) => ({
      request: ['GET', `/v1/runs/${await gatedRun(s)}/routing?step=build`],
      path: ['query', 'step'],
    }),
  },
  {
    id: 'getHandoffs',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const found = (await expectDocumented(
        s,
        'getHandoffs',
        await s.call('GET', `/v1/runs/${runId}/handoffs`, { token: s.tokens.read }),
        200,
      )) as { kind: string; to: unknown }[];
      expect(found.map((h) => [h.kind, h.to])).toEqual([['phase', 'prep']]);
    },
    bad: async (s) => ({ request: ['GET', `/v1/runs/${await gatedRun(s)}/handoffs?x=`], path: ['query', 'x'] }),
  },
  {
    id: 'listRunArtifacts',
    ok: async (s) => {
      const runId = await submit(s, PLANS.artifact);
      await settledRun(s, runId);
      const { artifacts } = (await expectDocumented(
        s,
        'listRunArtifacts',
        await s.call('GET', `/v1/runs/${runId}/artifacts`, { token: s.tokens.read }),
        200,
      )) as { artifacts: { name: string; bytes: number; sealed: boolean }[] };
      expect(artifacts.map((a) => [a.name, a.bytes, a.sealed])).toEqual([['write/report.txt', 9, false]]);
    },
    bad: async () => ({ request: ['GET', '/v1/runs/a%2Fb/artifacts'], path: ['path', 'id'] }),
  },
  {
    id: 'approve',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const body = (await expectDocumented(
        s,
        'approve',
        await s.call('POST', `/v1/runs/${runId}/approvals`, {
          token: s.tokens.approve,
          body: { target: 'ship', comment: 'looks right' },
        }),
        202,
      )) as { event: { type: string; data: unknown } };
      const { state } = await s.baton.getRun(runId);
      expect(body.event).toEqual({
        type: 'decision.made',
        data: {
          id: 'gate:ship',
          verdict: 'approved',
          by: 'token:approve',
          comment: 'looks right',
          // What the approver was shown: the plan in force and the result of the phase before the gate.
          evidence: {
            revision: 1,
            planHash: state.planHash,
            artifacts: [],
            checks: [{ step: 'build', status: 'succeeded', passed: true, outputHash: expect.any(String) }],
          },
        },
      });
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.status === 'succeeded',
        'the approved run to succeed',
      );
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/approvals`, { body: { target: '' } }],
      path: ['body', 'target'],
    }),
  },
  {
    id: 'overrideGate',
    ok: async (s) => {
      const runId = await submit(s, PLANS.overridable);
      await settledRun(s, runId);
      const body = (await expectDocumented(
        s,
        'overrideGate',
        await s.call('POST', `/v1/runs/${runId}/overrides`, {
          token: s.tokens.approve,
          body: { target: 'ship', reason: 'policy checked by hand' },
        }),
        202,
      )) as { event: { data: unknown } };
      expect(body.event.data).toMatchObject({
        id: 'gate:ship',
        verdict: 'overridden',
        by: 'token:approve',
        comment: 'policy checked by hand',
      });
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.status === 'succeeded',
        'the overridden run to succeed',
      );
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/overrides`, { body: { target: 'ship', reason: '' } }],
      path: ['body', 'reason'],
    }),
  },
  {
    id: 'requestHandoff',
    ok: async (s) => {
      const runId = await submit(s, PLANS.artifact);
      await settledRun(s, runId);
      const body = (await expectDocumented(
        s,
        'requestHandoff',
        await s.call('POST', `/v1/runs/${runId}/handoffs`, {
          token: s.tokens.operate,
          body: {
            from: { agent: 'writer-agent', step: 'write' },
            to: { agent: 'reviewer-agent', step: 'review' },
            artifacts: ['write/report.txt'],
            reason: 'written',
          },
        }),
        200,
      )) as { ok: boolean; handoffId: string };
      expect(body).toMatchObject({ ok: true, handoffId: 'handoff-1' });
      await waitForEvent(s.baton, runId, (event) => event.type === 'handoff.queued');
    },
    bad: async (s) => ({
      request: [
        'POST',
        `/v1/runs/${await gatedRun(s)}/handoffs`,
        { body: { from: { agent: 'a' }, to: { agent: 'b', step: 'deploy' }, reason: '' } },
      ],
      path: ['body', 'reason'],
    }),
  },
  {
    id: 'deny',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const body = (await expectDocumented(
        s,
        'deny',
        await s.call('POST', `/v1/runs/${runId}/denials`, { token: s.tokens.approve, body: { target: 'gate:ship' } }),
        202,
      )) as { event: { data: unknown } };
      expect(body.event.data).toMatchObject({ verdict: 'denied', by: 'token:approve' });
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.status === 'denied',
        'the run to end denied',
      );
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/denials`, { body: { target: 'ship', comment: 5 } }],
      path: ['body', 'comment'],
    }),
  },
  {
    id: 'actStatement',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const before = await storeSnapshot(s.baton);
      const body = (await expectDocumented(
        s,
        'actStatement',
        await s.call('POST', `/v1/runs/${runId}/statements`, {
          token: s.tokens.approve,
          body: { target: 'ship', verdict: 'denied', keyId: '0123456789abcdef', comment: 'not now' },
        }),
        200,
      )) as { statement: string };
      expect(JSON.parse(body.statement)).toEqual({
        statement: 'baton.act/1',
        runId,
        decision: 'gate:ship',
        verdict: 'denied',
        by: 'token:approve',
        comment: 'not now',
        evidence: null,
        keyId: '0123456789abcdef',
      });
      expect(await storeSnapshot(s.baton)).toBe(before);
    },
    bad: async (s) => ({
      request: [
        'POST',
        `/v1/runs/${await gatedRun(s)}/statements`,
        { body: { target: 'ship', verdict: 'maybe', keyId: '0123456789abcdef' } },
      ],
      path: ['body', 'verdict'],
    }),
  },
  {
    id: 'submitResult',
    ok: async (s) => {
      const runId = await submit(s, PLANS.human);
      await settledRun(s, runId);
      const body = (await expectDocumented(
        s,
        'submitResult',
        await s.call('POST', `/v1/runs/${runId}/results`, {
          token: s.tokens.approve,
          body: { step: 'review', output: { verdict: 'ok' } },
        }),
        202,
      )) as { event: { type: string; data: unknown } };
      expect(body.event).toMatchObject({
        type: 'attempt.succeeded',
        data: { output: { verdict: 'ok' }, by: 'token:approve' },
      });
      const { state } = await waitFor(
        () => s.baton.getRun(runId),
        ({ state: run }) => run.status === 'succeeded',
      );
      expect(state.steps.review?.output).toEqual({ verdict: 'ok' });
    },
    bad: async (s) => {
      const runId = await submit(s, PLANS.human);
      await settledRun(s, runId);
      return { request: ['POST', `/v1/runs/${runId}/results`, { body: { step: 'review' } }], path: ['body', 'output'] };
    },
  },
  {
    id: 'signal',
    ok: async (s) => {
      const runId = await submit(s, PLANS.signal);
      await settledRun(s, runId);
      await expectDocumented(
        s,
        'signal',
        await s.call('POST', `/v1/runs/${runId}/signals`, {
          token: s.tokens.operate,
          body: { name: 'go', data: { v: 2 } },
        }),
        202,
      );
      const { state } = await waitFor(
        () => s.baton.getRun(runId),
        ({ state: run }) => run.status === 'succeeded',
      );
      expect(state.steps.go?.output).toMatchObject({ data: { v: 2 } });
      await waitForEvent(s.baton, runId, (e) => e.type === 'signal.received' && e.data.by === 'token:operate');
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/signals`, { body: { name: 'not a name' } }],
      path: ['body', 'name'],
    }),
  },
  {
    id: 'pause',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const body = (await expectDocumented(
        s,
        'pause',
        await s.call('POST', `/v1/runs/${runId}/pause`, { token: s.tokens.operate, body: { reason: 'maintenance' } }),
        202,
      )) as { event: unknown };
      expect(body.event).toEqual({ type: 'run.paused', data: { by: 'token:operate', reason: 'maintenance' } });
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.paused !== null,
      );
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/pause`, { body: { reason: 'x'.repeat(2_001) } }],
      path: ['body', 'reason'],
    }),
  },
  {
    id: 'abort',
    ok: async (s) => {
      const runId = await gatedRun(s);
      await expectDocumented(
        s,
        'abort',
        await s.call('POST', `/v1/runs/${runId}/abort`, { token: s.tokens.operate, body: { reason: 'wrong release' } }),
        202,
      );
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.status === 'aborted',
        'the run to end aborted',
      );
      await waitForEvent(s.baton, runId, (e) => e.type === 'run.abort_requested' && e.data.by === 'token:operate');
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/abort`, { body: { reason: 'x', force: true } }],
      path: ['body', 'force'],
    }),
  },
  {
    id: 'cancelStep',
    ok: async (s) => {
      const runId = await gatedRun(s);
      await expectDocumented(
        s,
        'cancelStep',
        await s.call('POST', `/v1/runs/${runId}/steps/deploy/cancel`, { token: s.tokens.operate }),
        202,
      );
      await waitForEvent(
        s.baton,
        runId,
        (e) => e.type === 'step.cancel_requested' && e.data.step === 'deploy' && e.data.by === 'token:operate',
      );
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/steps/deploy/cancel`, { body: { reason: 1 } }],
      path: ['body', 'reason'],
    }),
  },
  {
    id: 'deferStep',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const body = (await expectDocumented(
        s,
        'deferStep',
        await s.call('POST', `/v1/runs/${runId}/steps/deploy/defer`, {
          token: s.tokens.operate,
          body: { until: '2h', signal: 'window' },
        }),
        202,
      )) as { event: { data: { until: string; signal: string } } };
      expect(body.event.data.signal).toBe('window');
      expect(Date.parse(body.event.data.until) - Date.now()).toBeGreaterThan(7_000_000);
      await waitForEvent(s.baton, runId, (e) => e.type === 'step.deferred' && e.data.by === 'token:operate');
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/steps/deploy/defer`, { body: {} }],
      path: ['body'],
    }),
  },
  {
    id: 'revise',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const body = (await expectDocumented(
        s,
        'revise',
        await s.call('POST', `/v1/runs/${runId}/revisions`, { token: s.tokens.operate, body: { plan: revisedGated } }),
        202,
      )) as { event: { data: { revision: number; by: string } } };
      expect(body.event.data).toMatchObject({ revision: 2, by: 'token:operate' });
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.revisions.length === 2,
      );
    },
    bad: async (s) => ({
      request: [
        'POST',
        `/v1/runs/${await gatedRun(s)}/revisions`,
        { body: { plan: 'baton: 1\nname: x\nsteps:\n  a: { skill: [ }\n' } },
      ],
      path: ['body', 'plan'],
      code: 'plan_invalid',
    }),
  },
  {
    id: 'revert',
    ok: async (s) => {
      const runId = await gatedRun(s);
      expect(
        (await s.call('POST', `/v1/runs/${runId}/revisions`, { token: s.tokens.operate, body: { plan: revisedGated } }))
          .status,
      ).toBe(202);
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.revisions.length === 2,
      );
      const body = (await expectDocumented(
        s,
        'revert',
        await s.call('POST', `/v1/runs/${runId}/revert`, { token: s.tokens.operate, body: { to: 1 } }),
        202,
      )) as { event: { data: { revision: number; revertOf: number } } };
      expect(body.event.data).toMatchObject({ revision: 3, revertOf: 1 });
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/revert`, { body: { to: 0 } }],
      path: ['body', 'to'],
    }),
  },
  {
    id: 'seal',
    ok: async (s) => {
      const runId = await submit(s, PLANS.artifact);
      await settledRun(s, runId);
      const body = (await expectDocumented(
        s,
        'seal',
        await s.call('POST', `/v1/runs/${runId}/seals`, {
          token: s.tokens.operate,
          body: { artifact: 'write/report.txt' },
        }),
        202,
      )) as { event: { type: string; data: { by: string } } };
      expect(body.event).toMatchObject({ type: 'artifact.sealed', data: { by: 'token:operate' } });
      await waitForEvent(s.baton, runId, (e) => e.type === 'artifact.sealed');
    },
    bad: async (s) => ({
      request: ['POST', `/v1/runs/${await gatedRun(s)}/seals`, { body: { artifact: '' } }],
      path: ['body', 'artifact'],
    }),
  },
  {
    id: 'streamRunEvents',
    ok: async (s) => {
      const runId = await submit(s, PLANS.quick);
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.status === 'succeeded',
      );
      const response = await s.call('GET', `/v1/runs/${runId}/events`, { token: s.tokens.read });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const messages = await readSse(response, Infinity);
      expect(messages.map((m) => Number(m.id))).toEqual((await s.baton.events(runId)).map((e) => e.seq));
      for (const message of messages)
        expect(
          s.routes.get('streamRunEvents')!.responses[200]!.schema!.safeParse(JSON.parse(message.data)).success,
        ).toBe(true);
    },
    bad: async (s) => ({
      request: ['GET', `/v1/runs/${await gatedRun(s)}/events`, { headers: { 'Last-Event-ID': 'abc' } }],
      path: ['header', 'Last-Event-ID'],
    }),
  },
  {
    id: 'streamEvents',
    ok: async (s) => {
      const runId = await submit(s, PLANS.quick);
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.status === 'succeeded',
      );
      const response = await s.call('GET', '/v1/events', { token: s.tokens.read });
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      const count = (await s.baton.events(runId)).length;
      const messages = await readSse(response, count);
      expect(messages.map((m) => (JSON.parse(m.data) as { seq: number }).seq)).toEqual(
        (await s.baton.events(runId)).map((e) => e.seq),
      );
    },
    bad: async () => ({ request: ['GET', '/v1/events?after=zzz'], path: ['query', 'after'] }),
  },
  {
    id: 'listCapabilities',
    ok: async (s) => {
      const runId = await submit(s, PLANS.quick);
      await waitFor(
        () => s.baton.getRun(runId),
        ({ state }) => state.status === 'succeeded',
      );
      const registry = (await expectDocumented(
        s,
        'listCapabilities',
        await s.call('GET', '/v1/capabilities', { token: s.tokens.read }),
        200,
      )) as {
        capabilities: { descriptor: { id: string }; source: string; health: { status: string; succeeded: number } }[];
      };
      expect(registry.capabilities.find((c) => c.descriptor.id === 'worker')).toMatchObject({
        source: 'registered',
        health: { status: 'healthy', succeeded: 1 },
      });
      expect(registry.capabilities.find((c) => c.descriptor.id === 'writer')).toMatchObject({
        health: { status: 'unknown', succeeded: 0 },
      });
    },
    bad: async () => ({ request: ['GET', '/v1/capabilities?runs=0'], path: ['query', 'runs'] }),
  },
  {
    id: 'downloadArtifact',
    ok: async (s) => {
      const runId = await submit(s, PLANS.artifact);
      await settledRun(s, runId);
      const sha = (await s.baton.getRun(runId)).state.artifacts.get('write/report.txt')!.sha256;
      const response = await s.call('GET', `/v1/artifacts/${sha}`, { token: s.tokens.read });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      expect(response.headers.get('repr-digest')).toBe(`sha-256=:${Buffer.from(sha, 'hex').toString('base64')}:`);
      expect(await response.text()).toBe('all good\n');
    },
    bad: async () => ({ request: ['GET', '/v1/artifacts/not-a-hash'], path: ['path', 'sha256'] }),
  },
  {
    id: 'getContext',
    ok: async (s) => {
      await s.baton.addObjective('ship 1.0');
      const context = (await expectDocumented(
        s,
        'getContext',
        await s.call('GET', '/v1/context', { token: s.tokens.read }),
        200,
      )) as { objectives: { id: string }[] };
      expect(context.objectives.map((o) => o.id)).toEqual(['obj-1']);
    },
    bad: async () => ({ request: ['GET', '/v1/context?kind=objective'], path: ['query', 'kind'] }),
  },
  {
    id: 'addObjective',
    ok: async (s) => {
      expect(
        await expectDocumented(
          s,
          'addObjective',
          await s.call('POST', '/v1/context/objectives', { token: s.tokens.operate, body: { text: 'cut build time' } }),
          201,
        ),
      ).toMatchObject({ id: 'obj-1', status: 'open' });
      expect((await s.baton.store.listContextEntries()).map((e) => e.text)).toEqual(['cut build time']);
    },
    bad: async () => ({ request: ['POST', '/v1/context/objectives', { body: { text: 1 } }], path: ['body', 'text'] }),
  },
  {
    id: 'addInsight',
    ok: async (s) => {
      const runId = await gatedRun(s);
      expect(
        await expectDocumented(
          s,
          'addInsight',
          await s.call('POST', '/v1/context/insights', {
            token: s.tokens.operate,
            body: { text: 'the gate waits for ops', runId },
          }),
          201,
        ),
      ).toMatchObject({ id: 'ins-1', runId });
    },
    bad: async () => ({ request: ['POST', '/v1/context/insights', { body: {} }], path: ['body', 'text'] }),
  },
  {
    id: 'completeObjective',
    ok: async (s) => {
      await s.baton.addObjective('ship 1.0');
      expect(
        await expectDocumented(
          s,
          'completeObjective',
          await s.call('POST', '/v1/context/objectives/obj-1/complete', {
            token: s.tokens.operate,
            body: { outcome: 'shipped' },
          }),
          200,
        ),
      ).toMatchObject({ status: 'complete', outcome: 'shipped' });
    },
    bad: async (s) => {
      await s.baton.addObjective('ship 1.0');
      return {
        request: ['POST', '/v1/context/objectives/obj-1/complete', { body: { outcome: 5 } }],
        path: ['body', 'outcome'],
      };
    },
  },
  {
    id: 'addTask',
    ok: async (s) => {
      const runId = await gatedRun(s);
      expect(
        await expectDocumented(
          s,
          'addTask',
          await s.call('POST', '/v1/context/tasks', { token: s.tokens.operate, body: { text: 'ask ops', runId } }),
          201,
        ),
      ).toMatchObject({ id: 'task-1', kind: 'task', status: 'open', runId });
    },
    bad: async () => ({ request: ['POST', '/v1/context/tasks', { body: { text: [] } }], path: ['body', 'text'] }),
  },
  {
    id: 'completeTask',
    ok: async (s) => {
      await s.baton.addTask('ask ops');
      expect(
        await expectDocumented(
          s,
          'completeTask',
          await s.call('POST', '/v1/context/tasks/task-1/complete', {
            token: s.tokens.operate,
            body: { outcome: 'asked' },
          }),
          200,
        ),
      ).toMatchObject({ id: 'task-1', status: 'complete', outcome: 'asked' });
    },
    bad: async (s) => {
      await s.baton.addTask('ask ops');
      return {
        request: ['POST', '/v1/context/tasks/task-1/complete', { body: {} }],
        path: ['body', 'outcome'],
      };
    },
  },
  {
    id: 'getContextResume',
    ok: async (s) => {
      const runId = await gatedRun(s);
      await s.baton.addObjective('ship 1.0');
      const resume = (await expectDocumented(
        s,
        'getContextResume',
        await s.call('GET', '/v1/context/resume', { token: s.tokens.read }),
        200,
      )) as { objectives: { id: string }[]; pending: { runId: string }[] };
      expect(resume.objectives.map((o) => o.id)).toEqual(['obj-1']);
      expect(resume.pending.map((d) => d.runId)).toEqual([runId]);
    },
    bad: async () => ({ request: ['GET', '/v1/context/resume?all=1'], path: ['query', 'all'] }),
  },
  {
    id: 'getContextMetrics',
    ok: async (s) => {
      const runId = await gatedRun(s);
      const metrics = (await expectDocumented(
        s,
        'getContextMetrics',
        await s.call('GET', '/v1/context/metrics?runs=5', { token: s.tokens.read }),
        200,
      )) as { window: { runs: number; limit: number }; runs: { runId: string; pending: number }[] };
      expect(metrics.window).toMatchObject({ runs: 1, limit: 5 });
      expect(metrics.runs).toMatchObject([{ runId, pending: 1 }]);
    },
    bad: async () => ({ request: ['GET', '/v1/context/metrics?runs=0'], path: ['query', 'runs'] }),
  },
  {
    id: 'openApi',
    ok: async (s) => {
      const response = await s.call('GET', '/openapi.json', { token: null });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { openapi: string }).openapi).toBe('3.1.0');
    },
    bad: async () => ({ request: ['GET', '/openapi.json?format=yaml', { token: null }], path: ['query', 'format'] }),
  },
  {
    id: 'docs',
    ok: async (s) => {
      const response = await s.call('GET', '/docs', { token: null });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toContain('<h1>Baton HTTP API</h1>');
    },
    bad: async () => ({ request: ['GET', '/docs?theme=dark', { token: null }], path: ['query', 'theme'] }),
  },
];

describe.each(cases)('route $id', (route) => {
  it('succeeds, and answers as it documents', async () => {
    const server = await startServer();
    try {
      await route.ok(server);
    } finally {
      await server.baton.close();
    }
  });

  it('refuses bad input with a 400 that says where, and writes nothing', async () => {
    const server = await startServer();
    try {
      const { request, path, code } = await route.bad(server);
      const before = await storeSnapshot(server.baton);
      const [method, url, options] = request;
      const error = await expectError(await server.call(method, url, options), 400, code ?? 'bad_input');
      expect(error.issues?.map((issue) => issue.path)).toContainEqual(path);
      expect(await storeSnapshot(server.baton)).toBe(before);
    } finally {
      await server.baton.close();
    }
  });
});

describe('authentication and scopes, on every route', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.baton.close();
  });

  /** A concrete URL for a route's path; the request is refused before the run or step is looked up. */
  const urlOf = (path: string) =>
    path
      .replace(':id', 'r1')
      .replace(':step', 'build')
      .replace(':sha256', '0'.repeat(64))
      .replace(':objective', 'obj-1');
  /** A token that lacks `scope`: each scope's token has that scope only. */
  const without = (scope: ApiScope): ApiScope => (scope === 'read' ? 'approve' : 'read');

  it('has a case above for every route, and the document routes are the only public ones', () => {
    const routes = [...server.routes.values()];
    expect(new Set(cases.map((c) => c.id))).toEqual(new Set([...routes.map((r) => r.operationId), 'openApi', 'docs']));
    expect(routes.filter((r) => r.scope === null)).toEqual([]);
  });

  it.each(cases.filter((c) => c.id !== 'openApi' && c.id !== 'docs').map((c) => c.id))(
    '%s: no token is a 401 with a challenge, and writes nothing',
    async (id) => {
      const route = server.routes.get(id)!;
      const before = await storeSnapshot(server.baton);
      const response = await server.call(route.method.toUpperCase(), urlOf(route.path), {
        token: null,
        body: route.method === 'post' ? {} : undefined,
      });
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="baton"');
      await expectError(response, 401, 'unauthorized');
      expect(await storeSnapshot(server.baton)).toBe(before);
    },
  );

  it.each(cases.filter((c) => c.id !== 'openApi' && c.id !== 'docs').map((c) => c.id))(
    '%s: a token without its scope is a 403 naming the scope, and writes nothing',
    async (id) => {
      const route = server.routes.get(id)!;
      const scope = route.scope!;
      const before = await storeSnapshot(server.baton);
      const error = await expectError(
        await server.call(route.method.toUpperCase(), urlOf(route.path), {
          token: server.tokens[without(scope)],
          body: route.method === 'post' ? {} : undefined,
        }),
        403,
        'forbidden',
      );
      expect(error.message).toContain(`needs the ${scope} scope`);
      expect(await storeSnapshot(server.baton)).toBe(before);
    },
  );
});
