import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/index.js';
import { createMcpServer } from '../../src/mcp/index.js';
import { expectError, PLANS, settledRun, startServer, submit, waitFor, type Server } from './harness.js';

/** A step whose function always fails, escalated to a person. */
const ESCALATED: Plan = {
  baton: 1,
  name: 'escalated',
  steps: { broken: { capability: 'breaker', on_failure: 'escalate' } },
};

async function serverWithBreaker(): Promise<Server> {
  const s = await startServer();
  s.baton.register({
    id: 'breaker',
    skills: { break: 1 },
    run: () => {
      throw new Error('it broke');
    },
  });
  return s;
}

/** Submits a plan and waits until it waits for a person. */
async function waitingRun(s: Server, plan: Plan): Promise<string> {
  const runId = await submit(s, plan);
  await settledRun(s, runId);
  return runId;
}

describe("the perform scope: a person's task, without the power to approve", () => {
  it("over HTTP, submits a human step's result but cannot pass a gate or override an escalation; nothing is written when refused", async () => {
    const s = await serverWithBreaker();
    const human = await waitingRun(s, PLANS.human);
    const gated = await waitingRun(s, PLANS.gated);
    const escalated = await waitingRun(s, ESCALATED);
    const before = { gated: await s.baton.events(gated), escalated: await s.baton.events(escalated) };

    const done = await s.call('POST', `/v1/runs/${human}/results`, {
      token: s.tokens.perform,
      body: { step: 'review', output: { ok: true } },
    });
    expect(done.status).toBe(202);
    const recorded = (
      await waitFor(
        () => s.baton.events(human),
        (events) => events.some((event) => event.type === 'attempt.succeeded'),
      )
    ).find((event) => event.type === 'attempt.succeeded');
    expect(recorded?.data).toMatchObject({ output: { ok: true }, by: 'token:perform' });

    const gate = await expectError(
      await s.call('POST', `/v1/runs/${gated}/approvals`, { token: s.tokens.perform, body: { target: 'ship' } }),
      403,
      'forbidden',
    );
    expect(gate.message).toContain('this needs the approve scope; token:perform has perform');
    const override = await expectError(
      await s.call('POST', `/v1/runs/${escalated}/results`, {
        token: s.tokens.perform,
        body: { step: 'broken', output: 'patched' },
      }),
      403,
      'forbidden',
    );
    expect(override.message).toBe(
      'a result in place of escalated step "broken" overrides the escalation and needs the approve scope; token:perform has perform',
    );
    expect(await s.baton.events(gated)).toEqual(before.gated);
    expect(await s.baton.events(escalated)).toEqual(before.escalated);

    // approve includes perform; read has neither.
    await expectError(
      await s.call('POST', `/v1/runs/${escalated}/results`, {
        token: s.tokens.read,
        body: { step: 'broken', output: 1 },
      }),
      403,
      'forbidden',
    );
    const approved = await s.call('POST', `/v1/runs/${escalated}/results`, {
      token: s.tokens.approve,
      body: { step: 'broken', output: 'patched' },
    });
    expect(approved.status).toBe(202);
    await s.baton.close();
  });

  it("over MCP, a session with perform submits a human step's result, and is refused approve and an escalation's result", async () => {
    const s = await serverWithBreaker();
    const human = await waitingRun(s, PLANS.human);
    const gated = await waitingRun(s, PLANS.gated);
    const escalated = await waitingRun(s, ESCALATED);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = createMcpServer({ baton: s.baton, scopes: ['read', 'perform'], principal: 'mcp:agent' });
    await server.connect(serverSide);
    const client = new Client({ name: 'perform-test', version: '1.0.0' });
    await client.connect(clientSide);
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

    const pending = await call('list_pending_decisions', { runId: human });
    expect(pending.structuredContent).toMatchObject({
      decisions: [{ kind: 'human', tools: ['submit_result'], scope: 'perform' }],
    });
    const done = await call('submit_result', { runId: human, step: 'review', output: { ok: true } });
    expect(done.isError, text(done)).toBeFalsy();
    const recorded = (
      await waitFor(
        () => s.baton.events(human),
        (events) => events.some((event) => event.type === 'attempt.succeeded'),
      )
    ).find((event) => event.type === 'attempt.succeeded');
    expect(recorded?.data).toMatchObject({ output: { ok: true }, by: 'mcp:agent' });

    const before = { gated: await s.baton.events(gated), escalated: await s.baton.events(escalated) };
    const gate = await call('approve', { runId: gated, target: 'ship' });
    expect(gate.isError).toBe(true);
    expect(text(gate)).toMatch(/^forbidden: the tool approve needs the "approve" scope/);
    const override = await call('submit_result', { runId: escalated, step: 'broken', output: 'patched' });
    expect(override.isError).toBe(true);
    expect(text(override)).toBe(
      'forbidden: a result in place of escalated step "broken" overrides the escalation and needs the approve scope; mcp:agent has read, perform',
    );
    expect(await s.baton.events(gated)).toEqual(before.gated);
    expect(await s.baton.events(escalated)).toEqual(before.escalated);
    await client.close();
    await server.close();
    await s.baton.close();
  });
});
