import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { createMcpServer } from '../../src/mcp/index.js';
import { appendForeignDecision } from '../support/diverge.js';
import { PLANS, startServer, type Server } from './harness.js';

/** A run waiting for the signal `go`, not conducted by any process, whose ledger an older conductor extended. */
async function divergedRun(s: Server): Promise<{ runId: string; seq: number }> {
  const run = await s.baton.submit(PLANS.signal);
  expect((await run.result()).status).toBe('waiting');
  return { runId: run.runId, seq: await appendForeignDecision(s.baton.store, run.runId, 'after', Date.now()) };
}

describe('resume of a run that does not replay under this conductor', () => {
  it('HTTP: 500 integrity naming the event, nothing written; with acceptDivergence it resumes and records who and why', async () => {
    const s = await startServer();
    const { runId, seq } = await divergedRun(s);
    const before = await s.baton.events(runId);

    const refused = await s.call('POST', `/v1/runs/${runId}/resume`, { token: s.tokens.operate });
    expect(refused.status).toBe(500);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('integrity');
    expect(error.message).toContain(`at seq ${seq} its ledger records step.skipped after`);
    expect(await s.baton.events(runId)).toEqual(before);

    const blank = await s.call('POST', `/v1/runs/${runId}/resume`, {
      token: s.tokens.operate,
      body: { acceptDivergence: { reason: '' } },
    });
    expect(blank.status).toBe(400);
    expect(await s.baton.events(runId)).toEqual(before);

    const accepted = await s.call('POST', `/v1/runs/${runId}/resume`, {
      token: s.tokens.operate,
      body: { acceptDivergence: { reason: 'the upgrade was reviewed' } },
    });
    expect(accepted.status).toBe(202);
    const acceptance = (await s.baton.events(runId)).find((event) => event.type === 'run.divergence_accepted');
    expect(acceptance?.data).toMatchObject({ seq, by: 'token:operate', reason: 'the upgrade was reviewed' });
    await s.baton.close();
  });

  it('MCP: the resume tool refuses with integrity, and goes on with acceptDivergence recorded with the session principal', async () => {
    const s = await startServer();
    const { runId, seq } = await divergedRun(s);
    const server = createMcpServer({ baton: s.baton, scopes: ['read', 'operate'], principal: 'mcp:agent' });
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(clientSide);
    const text = (result: Awaited<ReturnType<Client['callTool']>>): string =>
      (result.content as { type: string; text: string }[]).map((part) => part.text).join('\n');

    const refused = await client.callTool({ name: 'resume', arguments: { runId, waitSeconds: 0 } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain(`at seq ${seq} its ledger records step.skipped after`);
    expect((await s.baton.events(runId)).map((event) => event.type)).not.toContain('run.resumed');

    const accepted = await client.callTool({
      name: 'resume',
      arguments: { runId, waitSeconds: 0, acceptDivergence: { reason: 'checked with the operator' } },
    });
    expect(accepted.isError, text(accepted)).toBeFalsy();
    const acceptance = (await s.baton.events(runId)).find((event) => event.type === 'run.divergence_accepted');
    expect(acceptance?.data).toMatchObject({ seq, by: 'mcp:agent', reason: 'checked with the operator' });
    await client.close();
    await s.baton.close();
  });
});
