import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createHash } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DecisionEvidence, Plan } from '../../src/index.js';
import { canonicalJson, replayLedger } from '../../src/ledger/index.js';
import { createMcpServer } from '../../src/mcp/index.js';
import { expectDocumented, startServer, waitFor, type Server } from '../server/harness.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** What the harness's `writer` capability writes, and returns. */
const REPORT = 'all good\n';
const WRITTEN = { written: true };

/** A build phase that writes (and, when `seal`, seals) a report and runs a test, then `ship` behind `gate`. */
function gatedPlan(gate: NonNullable<Plan['phases']>[number], seal: boolean): Plan {
  return {
    baton: 1,
    name: 'evidence',
    phases: ['build', gate],
    steps: {
      report: { skill: 'write', phase: 'build', seal },
      test: { skill: 'work', phase: 'build', after: ['report'], input: { passed: true } },
      deploy: { skill: 'work', phase: 'ship', after: ['test'], input: 'go' },
    },
  } as Plan;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serve(): Promise<Server> {
  const server = await startServer();
  cleanup.push(() => server.baton.close());
  return server;
}

/** An MCP client on the same Baton, in memory, with the read and approve scopes a reviewer has. */
async function mcpClient(server: Server): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const mcp = createMcpServer({ baton: server.baton, scopes: ['read', 'approve'], principal: 'mcp:reviewer' });
  await mcp.connect(serverSide);
  const client = new Client({ name: 'evidence-test', version: '1.0.0' });
  await client.connect(clientSide);
  cleanup.push(async () => {
    await client.close();
    await mcp.close();
  });
  return client;
}

/** Submits the plan, conducted here, and waits for the gate of `ship` to be pending. */
async function waitingAtGate(server: Server, plan: Plan) {
  const handle = await server.baton.submit(plan, { wait: true });
  await waitFor(
    () => handle.state.pending.has('gate:ship'),
    (pending) => pending,
    'the gate of ship to be pending',
  );
  return handle;
}

function tamper(file: string, content: string): void {
  chmodSync(file, 0o644);
  writeFileSync(file, content);
}

describe('evidence-bound decisions', () => {
  it('shows what approving a gate binds on HTTP and MCP, records exactly that, and verify fails once a bound sealed artifact changes', async () => {
    const server = await serve();
    const handle = await waitingAtGate(server, gatedPlan({ id: 'ship', gate: { approval: true } }, true));
    const expected: DecisionEvidence = {
      revision: 1,
      planHash: handle.state.planHash,
      artifacts: [{ name: 'report/report.txt', sha256: sha256(REPORT), sealed: true }],
      checks: [
        { step: 'report', status: 'succeeded', passed: true, outputHash: sha256(canonicalJson(WRITTEN)) },
        { step: 'test', status: 'succeeded', passed: true, outputHash: sha256('{"passed":true}') },
      ],
    };

    // Before approving: the HTTP run view and MCP list_pending_decisions show the same digest.
    const view = (await expectDocumented(
      server,
      'getRun',
      await server.call('GET', `/v1/runs/${handle.runId}`, { token: server.tokens.read }),
      200,
    )) as { pending: { id: string; evidence?: DecisionEvidence }[]; approvals: unknown[] };
    expect(view.pending).toMatchObject([{ id: 'gate:ship', evidence: expected }]);
    expect(view.approvals).toEqual([]);
    const client = await mcpClient(server);
    const listed = await client.callTool({ name: 'list_pending_decisions', arguments: { runId: handle.runId } });
    expect(listed.isError).toBeFalsy();
    expect((listed.structuredContent as { decisions: unknown[] }).decisions).toMatchObject([
      { runId: handle.runId, id: 'gate:ship', evidence: expected },
    ]);

    // Approving over HTTP records the digest on decision.made, in the ledger.
    const answer = (await expectDocumented(
      server,
      'approve',
      await server.call('POST', `/v1/runs/${handle.runId}/approvals`, {
        token: server.tokens.approve,
        body: { target: 'ship', comment: 'report reviewed' },
      }),
      202,
    )) as { event: { data: { evidence: DecisionEvidence } } };
    expect(answer.event.data.evidence).toEqual(expected);
    expect((await handle.result()).status).toBe('succeeded');
    const events = await server.baton.events(handle.runId);
    const made = events.filter((event) => event.type === 'decision.made');
    expect(made.map((event) => event.data)).toEqual([
      { id: 'gate:ship', verdict: 'approved', by: 'token:approve', comment: 'report reviewed', evidence: expected },
    ]);
    // Replay is unchanged: the evidence is a record, the conductor decides nothing on it.
    expect(replayLedger(events).ok).toBe(true);
    const { record, state } = await server.baton.getRun(handle.runId);
    expect(record.status).toBe('succeeded');
    expect(state.approvals.get('gate:ship')).toEqual({
      by: 'token:approve',
      comment: 'report reviewed',
      evidence: expected,
    });
    expect(await server.baton.verify(handle.runId)).toMatchObject({ ok: true, approvals: { checked: 1, failed: [] } });

    // The sealed report is changed on disk after the approval: verify names the decision, the artifact and both hashes.
    tamper(server.baton.artifacts.path(sha256(REPORT)), 'all bad\n');
    const verdict = await server.baton.verify(handle.runId);
    const seq = made[0]?.seq;
    expect(verdict).toMatchObject({
      ok: false,
      approvals: {
        checked: 1,
        failed: [
          {
            decision: 'gate:ship',
            seq,
            name: 'report/report.txt',
            sha256: sha256(REPORT),
            status: 'changed',
            actual: sha256('all bad\n'),
          },
        ],
      },
    });
    expect(!verdict.ok && verdict.reason).toContain(
      `approval gate:ship (seq ${seq}) bound sealed artifact "report/report.txt" at sha256 ${sha256(REPORT)}, which now hashes to ${sha256('all bad\n')}`,
    );
  });

  it('binds the votes of a contradiction to the approval of its escalation', async () => {
    const server = await serve();
    server.baton.register({ id: 'yes', skills: { judge: 1 }, run: () => ({ verdict: 'yes' }) });
    server.baton.register({ id: 'no', skills: { judge: 1 }, run: () => ({ verdict: 'no' }) });
    const handle = await server.baton.submit(
      {
        baton: 1,
        name: 'contradiction',
        steps: {
          prepare: { skill: 'work', input: 'facts' },
          review: { skill: 'judge', after: ['prepare'], consensus: { n: 2, agree: 'all', compare: 'json' } },
        },
      } as Plan,
      { wait: true },
    );
    await waitFor(
      () => handle.state.pending.has('escalation:review'),
      (pending) => pending,
      'the contradiction to escalate',
    );
    const expected: DecisionEvidence = {
      revision: 1,
      planHash: handle.state.planHash,
      artifacts: [],
      checks: [{ step: 'prepare', status: 'succeeded', passed: true, outputHash: sha256('"facts"') }],
      votes: expect.arrayContaining([
        { capability: 'yes', outputHash: sha256('{"verdict":"yes"}') },
        { capability: 'no', outputHash: sha256('{"verdict":"no"}') },
      ]) as DecisionEvidence['votes'],
    };
    const client = await mcpClient(server);
    const listed = await client.callTool({ name: 'list_pending_decisions', arguments: { runId: handle.runId } });
    expect((listed.structuredContent as { decisions: unknown[] }).decisions).toMatchObject([
      { id: 'escalation:review', evidence: expected },
    ]);
    const event = await server.baton.approve(handle.runId, 'review', { by: 'alice' });
    expect(event.type === 'decision.made' && event.data.evidence).toEqual(expected);
    expect(event.type === 'decision.made' && event.data.evidence?.votes).toHaveLength(2);
    await handle.interrupt();
  });

  it('records the requirement of an evidence gate and an unsealed artifact on an override, without holding verify to it', async () => {
    const server = await serve();
    // Approving no longer opens a gate whose evidence is missing: overriding is its own act, where the plan allows it.
    const evidence = { evidence: { artifacts: ['report/report.txt'], checks: ['test'] } };
    const gate = { id: 'ship', gate: { all: [evidence], override: { approval_by: ['alice'] } } };
    const handle = await waitingAtGate(server, gatedPlan(gate, false));
    const pending = handle.state.pending.get('gate:ship');
    expect(pending?.reason).toContain('is not sealed');
    await expect(server.baton.approve(handle.runId, 'ship', { by: 'alice' })).rejects.toThrow(
      'approving does not override it: `baton override',
    );
    // The HTTP API refuses it in the same place, with the same words.
    const http = await server.call('POST', `/v1/runs/${handle.runId}/approvals`, {
      token: server.tokens.approve,
      body: { target: 'ship' },
    });
    expect(http.status).toBe(403);
    expect(((await http.json()) as { error: { message: string } }).error.message).toContain(
      'approving does not override it',
    );
    await expect(server.baton.override(handle.runId, 'ship', 'checked by hand', { by: 'mallory' })).rejects.toThrow(
      'mallory may not override the gate of "ship": only alice may (its override.approval_by)',
    );
    // Over HTTP the principal is the token's: `token:approve` is not named, so it is refused the same way.
    const viaHttp = await server.call('POST', `/v1/runs/${handle.runId}/overrides`, {
      token: server.tokens.approve,
      body: { target: 'ship', reason: 'checked by hand' },
    });
    expect(viaHttp.status).toBe(403);
    expect(((await viaHttp.json()) as { error: { message: string } }).error.message).toBe(
      'token:approve may not override the gate of "ship": only alice may (its override.approval_by)',
    );
    const event = await server.baton.override(handle.runId, 'ship', 'override', { by: 'alice' });
    expect(event.type === 'decision.made' && event.data.verdict).toBe('overridden');
    expect(event.type === 'decision.made' && event.data.evidence).toEqual({
      revision: 1,
      planHash: handle.state.planHash,
      requires: { artifacts: ['report/report.txt'], checks: ['test'] },
      artifacts: [{ name: 'report/report.txt', sha256: sha256(REPORT), sealed: false }],
      checks: [
        { step: 'test', status: 'succeeded', passed: true, outputHash: sha256('{"passed":true}') },
        { step: 'report', status: 'succeeded', passed: true, outputHash: sha256(canonicalJson(WRITTEN)) },
      ],
    });
    expect((await handle.result()).status).toBe('succeeded');
    // Nothing sealed it, so nothing made it immutable: a change is recorded history, not a breach.
    tamper(server.baton.artifacts.path(sha256(REPORT)), 'rewritten\n');
    expect(await server.baton.verify(handle.runId)).toMatchObject({ ok: true, approvals: { checked: 0, failed: [] } });
  });
});
