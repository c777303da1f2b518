import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BatonError, ErrorCode, PlanError, type Plan } from '../../src/core/index.js';
import { AbortReason, CapabilityFailure, runnerFromPlan, type Invocation } from '../../src/capabilities/index.js';
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

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const invocation = (input: unknown, scope: string[] | null, signal = new AbortController().signal): Invocation =>
  ({ runId: 'r', step: 'a', attemptId: 'a/1', idempotencyKey: 'r/a', input, inputs: {}, scope, signal }) as never;

/** Whether a process whose command line holds `marker` is running (Linux: /proc). */
function running(marker: string): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false; // it ended while we looked
      }
    });
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

  it('does not start the server of an mcp capability no step can reach (a registry lists many)', async () => {
    const marker = join(tempDir(), 'started.txt');
    const { capabilities } = planStartingProgram(marker);
    const plan: Plan = {
      baton: 1,
      name: 'mcp-unused',
      capabilities: {
        unused: { ...capabilities!.tools!, skills: { search: 1 } } as never,
        web: { kind: 'http', url: 'http://127.0.0.1:9/hook', skills: { notify: 1 } },
      },
      steps: { a: { skill: 'notify' } },
    };
    const run = await admit({ data: plan }, {}, []);
    expect(run.plan.capabilities).toHaveProperty('unused');
    expect(existsSync(marker)).toBe(false);

    // Once a step asks for its skill, it is checked (and this one is no server).
    const asked = { ...plan, steps: { ...plan.steps, b: { skill: 'search' } } };
    await expect(admit({ data: asked }, {}, [])).rejects.toBeInstanceOf(PlanError);
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
    const failure = await runner.invoke(invocation({}, ['api.example.com'])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CapabilityFailure);
    expect((failure as CapabilityFailure).error).toMatchObject({
      type: 'scope',
      retryable: false,
      detail: { server: 'http://127.0.0.1:9/mcp', tool: 'any' },
    });
  });

  it('calls a tool over streamable HTTP on the reference server, and refuses a tool it lacks', async () => {
    const port = await freePort();
    const server = spawn(join(ROOT, 'node_modules/.bin/mcp-server-everything'), ['streamableHttp'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stderr.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('listening on port')) resolve();
        });
        server.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
      });
      const url = `http://127.0.0.1:${port}/mcp`;
      const plan = (tool: string): Plan => ({
        baton: 1,
        name: 'mcp-http',
        capabilities: { remote: { kind: 'mcp', skills: {}, server: { url }, tool } },
        steps: { a: { capability: 'remote' } },
      });
      const admitted = await admit({ data: plan('echo') }, {}, []);
      const runner = runnerFromPlan('remote', admitted.plan.capabilities!.remote!, admitted.plan)!;
      await expect(runner.invoke(invocation({ message: 'over http' }, [`http://127.0.0.1:${port}`]))).resolves.toBe(
        'Echo: over http',
      );
      const refused = await admit({ data: plan('nope') }, {}, []).catch((error: unknown) => error);
      expect((refused as PlanError).issues).toEqual([
        {
          path: ['capabilities', 'remote', 'tool'],
          message: expect.stringMatching(new RegExp(`^MCP server ${url} offers no tool "nope"; it offers: echo, `)),
        },
      ]);
    } finally {
      server.kill();
    }
  });

  it('stops the stdio server when an attempt times out, and says it timed out', async () => {
    const marker = `baton-mcp-timeout-${process.pid}`;
    const server = { command: [join(ROOT, 'node_modules/.bin/mcp-server-everything'), 'stdio', marker] };
    const plan: Plan = {
      baton: 1,
      name: 'mcp-timeout',
      capabilities: { slow: { kind: 'mcp', skills: {}, server, tool: 'trigger-long-running-operation' } },
      steps: { a: { capability: 'slow' } },
    };
    const runner = runnerFromPlan('slow', plan.capabilities!.slow!, plan)!;
    const controller = new AbortController();
    const attempt = runner.invoke(invocation({ duration: 60, steps: 60 }, null, controller.signal));
    // Once the server runs (a fixed wait would be a race on a busy machine), the attempt times out.
    while (!running(marker)) await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(AbortReason.timeout);
    const failure = await attempt.catch((error: unknown) => error);
    expect((failure as CapabilityFailure).error).toMatchObject({ type: 'timeout', retryable: true });
    expect(running(marker)).toBe(false);
  });
});
