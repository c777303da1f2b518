import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createMcpServer } from '../../src/mcp/index.js';
import {
  expectDocumented,
  expectError,
  PLANS,
  settledRun,
  startServer as startHarness,
  storeSnapshot,
  type Server,
} from './harness.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

const started: Server[] = [];
async function startServer(): Promise<Server> {
  const server = await startHarness();
  started.push(server);
  return server;
}
afterEach(async () => {
  for (const server of started.splice(0)) await server.baton.close();
});

async function correlationOf(s: Server, runId: string): Promise<string | undefined> {
  const [created] = await s.baton.events(runId, 0, 1);
  return created?.type === 'run.created' ? created.data.correlationId : undefined;
}

describe('correlation ids on the HTTP API and over MCP', () => {
  it("takes POST /v1/runs traceparent's trace id as the run's correlation id, and GET /v1/runs/{id} shows it", async () => {
    const s = await startServer();
    const response = await s.call('POST', '/v1/runs', {
      body: { plan: PLANS.quick },
      headers: { traceparent: TRACEPARENT },
    });
    const { runId, correlationId } = (await expectDocumented(s, 'submitRun', response, 201)) as {
      runId: string;
      correlationId?: string;
    };
    expect(correlationId).toBe(TRACE_ID);
    await settledRun(s, runId);
    expect(await correlationOf(s, runId)).toBe(TRACE_ID);
    const view = (await expectDocumented(s, 'getRun', await s.call('GET', `/v1/runs/${runId}`), 200)) as {
      correlationId?: string;
    };
    expect(view.correlationId).toBe(TRACE_ID);
  });

  it('makes one without a traceparent, answers with it, and names it in the request log line', async () => {
    const s = await startServer();
    const response = await s.call('POST', '/v1/runs', { body: { plan: PLANS.quick } });
    const { runId, correlationId } = (await expectDocumented(s, 'submitRun', response, 201)) as {
      runId: string;
      correlationId?: string;
    };
    await settledRun(s, runId);
    const id = await correlationOf(s, runId);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).not.toBe(TRACE_ID);
    expect(correlationId).toBe(id);
    expect(s.logs.filter((line) => / POST \/v1\/runs 201 /.test(line))).toEqual([
      expect.stringMatching(new RegExp(` ${id}$`)),
    ]);
  });

  it("names the caller's trace id in the log line of any request that carries a traceparent, and '-' otherwise", async () => {
    const s = await startServer();
    await s.call('GET', '/v1/runs', { headers: { traceparent: TRACEPARENT } });
    await s.call('GET', '/v1/capabilities');
    expect(s.logs.find((line) => line.includes(' GET /v1/runs 200 '))).toMatch(new RegExp(` ${TRACE_ID}$`));
    expect(s.logs.find((line) => line.includes(' GET /v1/capabilities 200 '))).toMatch(/ -$/);
  });

  it.each([
    ['a bare trace id', TRACE_ID],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['upper case', TRACEPARENT.toUpperCase()],
    ['a short span id', `00-${TRACE_ID}-00f067aa-01`],
  ])('refuses a traceparent that is %s with a 400, writing nothing', async (_what, header) => {
    const s = await startServer();
    const before = await storeSnapshot(s.baton);
    const error = await expectError(
      await s.call('POST', '/v1/runs', { body: { plan: PLANS.quick }, headers: { traceparent: header } }),
      400,
      'bad_input',
    );
    expect(error.message).toMatch(
      /^traceparent: .* is not a W3C traceparent; expected 00-<32 hex trace id>-<16 hex span id>/,
    );
    expect(await storeSnapshot(s.baton)).toBe(before);
  });

  it('takes submit_plan correlationId over MCP, and refuses a malformed one writing nothing', async () => {
    const s = await startServer();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = createMcpServer({ baton: s.baton, scopes: ['read', 'operate'], principal: 'mcp:agent' });
    await server.connect(serverSide);
    const client = new Client({ name: 'correlation-test', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      const call = async (args: Record<string, unknown>) =>
        (await client.callTool({ name: 'submit_plan', arguments: args })) as CallToolResult;
      const before = await storeSnapshot(s.baton);
      const refused = await call({ plan: PLANS.quick, correlationId: 'not-a-trace-id' });
      expect(refused.isError).toBe(true);
      expect((refused.content[0] as { text: string }).text).toMatch(/is not a correlation id; expected a W3C trace id/);
      expect(await storeSnapshot(s.baton)).toBe(before);

      const accepted = await call({ plan: PLANS.quick, correlationId: TRACE_ID });
      expect(accepted.isError, JSON.stringify(accepted.content)).toBeFalsy();
      const { runId, correlationId } = accepted.structuredContent as { runId: string; correlationId?: string };
      expect(correlationId).toBe(TRACE_ID);
      expect(await correlationOf(s, runId)).toBe(TRACE_ID);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("takes the trace id of a request's _meta.traceparent over MCP; a malformed or contradicting one writes nothing", async () => {
    const s = await startServer();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = createMcpServer({ baton: s.baton, scopes: ['read', 'operate'], principal: 'mcp:agent' });
    await server.connect(serverSide);
    const client = new Client({ name: 'correlation-test', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      const call = async (args: Record<string, unknown>, traceparent: string) =>
        (await client.callTool({ name: 'submit_plan', arguments: args, _meta: { traceparent } })) as CallToolResult;
      const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;
      const before = await storeSnapshot(s.baton);
      const malformed = await call({ plan: PLANS.quick }, TRACE_ID);
      expect(malformed.isError).toBe(true);
      expect(text(malformed)).toMatch(/^bad_input: _meta\.traceparent: .* is not a W3C traceparent/);
      const other = '0af7651916cd43dd8448eb211c80319c';
      const contradicting = await call({ plan: PLANS.quick, correlationId: other }, TRACEPARENT);
      expect(contradicting.isError).toBe(true);
      expect(text(contradicting)).toMatch(
        /^bad_input: correlationId 0af7.* differs from the trace id of _meta\.traceparent/,
      );
      expect(await storeSnapshot(s.baton)).toBe(before);

      const accepted = await call({ plan: PLANS.quick }, TRACEPARENT);
      expect(accepted.isError, JSON.stringify(accepted.content)).toBeFalsy();
      const { runId, correlationId } = accepted.structuredContent as { runId: string; correlationId?: string };
      expect(correlationId).toBe(TRACE_ID);
      expect(await correlationOf(s, runId)).toBe(TRACE_ID);
      const same = await call({ plan: PLANS.quick, correlationId: TRACE_ID }, TRACEPARENT);
      expect(same.isError, JSON.stringify(same.content)).toBeFalsy();
    } finally {
      await client.close();
      await server.close();
    }
  });
});
