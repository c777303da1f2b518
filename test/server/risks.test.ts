import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/index.js';
import { createMcpServer } from '../../src/mcp/index.js';
import {
  expectDocumented,
  expectError,
  PLANS,
  settledRun,
  startServer,
  storeSnapshot,
  submit,
  type Server,
} from './harness.js';

/** Its risk names a check that step `one` does not have: pre-flight refuses it. */
const UNMITIGATED = {
  ...PLANS.quick,
  name: 'unmitigated',
  risks: { 'wrong-answer': { description: 'step one answers wrongly', controls: [{ check: 'one' }] } },
} satisfies Plan;

/** Its risk is mitigated by the approval gate of phase `ship`: it runs, and waits at the gate. */
const MITIGATED = {
  ...PLANS.gated,
  name: 'mitigated',
  risks: { 'premature-deploy': { description: 'deploying before anyone looked', controls: [{ approval: 'ship' }] } },
} satisfies Plan;

const REFUSAL =
  'risk "wrong-answer": control { check: one } is not present: step "one" has no `check`; add it to the plan, or take it out of the risk\'s controls';

const REGISTER = [
  {
    id: 'premature-deploy',
    description: 'deploying before anyone looked',
    mitigated: true,
    controls: [
      { kind: 'approval', target: 'ship', present: true, detail: 'phase "ship" is gated by approval by a person' },
    ],
  },
];

async function mcpClient(s: Server) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = createMcpServer({ baton: s.baton, scopes: ['read', 'operate'], principal: 'mcp:agent' });
  await server.connect(serverSide);
  const client = new Client({ name: 'risks-test', version: '1.0.0' });
  await client.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const close = async () => {
    await client.close();
    await server.close();
  };
  return { call, close };
}

const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

describe('the risk register on the HTTP API and over MCP', () => {
  it('refuses a plan with an unmitigated risk on POST /v1/runs, naming the risk and the missing control, and writes nothing', async () => {
    const s = await startServer();
    const before = await storeSnapshot(s.baton);
    const error = await expectError(
      await s.call('POST', '/v1/runs', { body: { plan: UNMITIGATED } }),
      400,
      'bad_input',
    );
    expect(error.message).toBe(`pre-flight refused plan "unmitigated":\n  - ${REFUSAL}`);
    expect(await storeSnapshot(s.baton)).toBe(before);

    const dry = (await expectDocumented(
      s,
      'preflightPlan',
      await s.call('POST', '/v1/plans/preflight', { body: { plan: UNMITIGATED } }),
      200,
    )) as { problems: string[]; risks: { id: string; mitigated: boolean }[] };
    expect(dry.problems).toEqual([REFUSAL]);
    expect(dry.risks).toMatchObject([{ id: 'wrong-answer', mitigated: false }]);
    expect(await storeSnapshot(s.baton)).toBe(before);
    await s.baton.close();
  });

  it("shows a run's register on GET /v1/runs/{id} and its pipeline state, as documented", async () => {
    const s = await startServer();
    const runId = await submit(s, MITIGATED);
    await settledRun(s, runId);
    const run = (await expectDocumented(s, 'getRun', await s.call('GET', `/v1/runs/${runId}`), 200)) as {
      risks: unknown;
    };
    expect(run.risks).toEqual(REGISTER);
    const state = (await expectDocumented(
      s,
      'getPipelineState',
      await s.call('GET', `/v1/runs/${runId}/state`),
      200,
    )) as { risks: unknown };
    expect(state.risks).toEqual(REGISTER);
    const markdown = await (await s.call('GET', `/v1/runs/${runId}/state.md`)).text();
    expect(markdown).toContain(
      '| `premature-deploy`: deploying before anyone looked | yes | `{ approval: ship }` | yes | phase "ship" is gated by approval by a person |',
    );
    await s.baton.close();
  });

  it('over MCP, submit_plan refuses the unmitigated plan and writes nothing; get_run_state shows the register', async () => {
    const s = await startServer();
    const { call, close } = await mcpClient(s);
    const before = await storeSnapshot(s.baton);
    const refused = await call('submit_plan', { plan: UNMITIGATED, waitSeconds: 0 });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain(REFUSAL);
    expect(await storeSnapshot(s.baton)).toBe(before);

    const dry = await call('dry_run', { plan: UNMITIGATED });
    expect(dry.structuredContent).toMatchObject({ runnable: false, report: { problems: [REFUSAL] } });
    expect((dry.structuredContent as { text: string }).text).toContain(
      '  wrong-answer: NOT MITIGATED — step one answers wrongly\n    [ ] { check: one }  step "one" has no `check`',
    );

    const runId = await submit(s, MITIGATED);
    await settledRun(s, runId);
    const state = await call('get_run_state', { runId });
    expect(state.isError, text(state)).toBeFalsy();
    expect((state.structuredContent as { risks: unknown }).risks).toEqual(REGISTER);
    await close();
    await s.baton.close();
  });

  it('refuses the plan in the library too, and a revision that drops a control a risk names, changing nothing', async () => {
    const s = await startServer();
    const before = await storeSnapshot(s.baton);
    await expect(s.baton.submit(UNMITIGATED)).rejects.toThrow(REFUSAL);
    expect(await storeSnapshot(s.baton)).toBe(before);

    const runId = await submit(s, MITIGATED);
    await settledRun(s, runId);
    const events = await s.baton.events(runId);
    const ungated = { ...MITIGATED, phases: ['prep', 'ship'] } satisfies Plan;
    await expect(s.baton.revise(runId, ungated)).rejects.toThrow(
      'risk "premature-deploy": control { approval: ship } is not present: phase "ship" has no gate',
    );
    expect(await s.baton.events(runId)).toEqual(events);
    await s.baton.close();
  });
});
