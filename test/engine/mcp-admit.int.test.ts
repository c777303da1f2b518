import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatonError, ErrorCode, PlanError, type Plan } from '../../src/core/index.js';
import { CapabilityFailure, runnerFromPlan, type Invocation } from '../../src/capabilities/index.js';
import { admit, scopeForPlan } from '../../src/engine/index.js';
import { tempDir } from '../support/temp.js';

/** A plan whose MCP "server" is a program that leaves a file behind when it is started, and is no server. */
function planStartingProgram(marker: string): Plan {
  const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'started')`;
  return {
    baton: 1,
    name: 'mcp-admit',
    capabilities: {
      tools: { kind: 'mcp', skills: {}, server: { command: [process.execPath, '-e', script] }, tool: 'any' },
    },
    steps: { a: { capability: 'tools' } },
  };
}

const forbidden = (): never => {
  throw new BatonError(ErrorCode.forbidden, 'needs the admin scope');
};

describe('admitting a plan with mcp capabilities', () => {
  it('authorizes the plan before its live check starts a server program, and needs admin to submit', async () => {
    const marker = join(tempDir(), 'started.txt');
    const plan = planStartingProgram(marker);
    expect(scopeForPlan(plan)).toBe('admin');
    await expect(admit({ data: plan }, {}, [], { authorize: forbidden })).rejects.toMatchObject({
      code: ErrorCode.forbidden,
    });
    expect(existsSync(marker)).toBe(false);

    // Authorized, the check starts it; a program that is no MCP server refuses the plan.
    const refused = await admit({ data: plan }, {}, []).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PlanError);
    expect((refused as PlanError).issues).toEqual([
      {
        path: ['capabilities', 'tools', 'server'],
        message: expect.stringMatching(/^cannot reach MCP server .* to check tool "any": /),
      },
    ]);
    expect(existsSync(marker)).toBe(true);
  });

  it("refuses a URL server outside the run's scope without contacting it, and fails such an attempt", async () => {
    const plan: Plan = {
      baton: 1,
      name: 'mcp-url',
      constraints: { scope: ['api.example.com'] },
      capabilities: { remote: { kind: 'mcp', skills: {}, server: { url: 'http://127.0.0.1:9/mcp' }, tool: 'any' } },
      steps: { a: { capability: 'remote' } },
    };
    const refused = await admit({ data: plan }, {}, []).catch((error: unknown) => error);
    expect((refused as PlanError).issues).toEqual([
      {
        path: ['capabilities', 'remote', 'server'],
        message: expect.stringContaining(`the run's scope refuses the MCP server: command[1] "http://127.0.0.1:9/mcp"`),
      },
    ]);

    const runner = runnerFromPlan('remote', plan.capabilities!.remote!, plan)!;
    const invocation = {
      runId: 'r',
      step: 'a',
      attemptId: 'a/1',
      idempotencyKey: 'r/a',
      input: {},
      inputs: {},
      scope: ['api.example.com'],
      signal: new AbortController().signal,
    } as unknown as Invocation;
    const failure = await runner.invoke(invocation).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CapabilityFailure);
    expect((failure as CapabilityFailure).error).toMatchObject({
      type: 'scope',
      retryable: false,
      detail: { server: 'http://127.0.0.1:9/mcp', tool: 'any' },
    });
  });
});
