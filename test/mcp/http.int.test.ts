import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/engine/index.js';
import { handleMcpHttp, type Scope } from '../../src/mcp/index.js';
import { tempDir } from '../support/temp.js';

/** Bearer tokens as the HTTP API would resolve them: each with a name and scopes. */
const TOKENS: Record<string, { name: string; scopes: Scope[] }> = {
  'ops-token': { name: 'ops', scopes: ['read', 'operate'] },
  'reader-token': { name: 'dashboard', scopes: ['read'] },
  'admin-token': { name: 'root', scopes: ['admin'] },
};

const PLAN = {
  baton: 1,
  name: 'doubling',
  steps: {
    first: { skill: 'math', input: 21 },
    second: { skill: 'math', after: ['first'], input: '{{ steps.first.output }}' },
  },
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A real HTTP server on a free port that mounts /mcp the way the HTTP API does, with each request's token scopes. */
async function listen(baton: Baton): Promise<string> {
  const app = new Hono();
  app.all('/mcp', (c) => {
    const token = TOKENS[(c.req.header('authorization') ?? '').replace(/^Bearer /, '')];
    if (!token) return c.json({ error: { code: 'unauthorized', message: 'a bearer token is required' } }, 401);
    return handleMcpHttp(c.req.raw, { baton, scopes: token.scopes, principal: `api:${token.name}` });
  });
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'baton-http-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  cleanup.push(() => client.close());
  return client;
}

async function workspace(): Promise<Baton> {
  const baton = await createBaton({ home: tempDir() });
  baton.register({ id: 'double', skills: { math: 1 }, run: (n: number) => n * 2 });
  cleanup.push(() => baton.close());
  return baton;
}

describe('MCP over streamable HTTP (handleMcpHttp), with the SDK client on a real socket', () => {
  it('serves the tools and resources with each request’s token scopes and principal', async () => {
    const baton = await workspace();
    const url = await listen(baton);
    const ops = await connect(url, 'ops-token');
    expect((await ops.listTools()).tools).toHaveLength(26);

    const submitted = (await ops.callTool({
      name: 'submit_plan',
      arguments: { plan: PLAN, runId: 'http-1', waitSeconds: 30 },
    })) as CallToolResult;
    expect(submitted.isError).toBeFalsy();
    expect(submitted.structuredContent).toMatchObject({
      runId: 'http-1',
      status: 'succeeded',
      settled: true,
      outputs: { first: 42, second: 84 },
    });
    const [created] = await baton.events('http-1');
    expect(created).toMatchObject({ type: 'run.created', data: { by: 'api:ops' } });

    const reader = await connect(url, 'reader-token');
    const state = (await reader.callTool({ name: 'get_run_state', arguments: { runId: 'http-1' } })) as CallToolResult;
    expect(state.structuredContent).toMatchObject({
      status: 'succeeded',
      steps: [
        { step: 'first', output: 42 },
        { step: 'second', output: 84 },
      ],
    });
    const refused = (await reader.callTool({ name: 'submit_plan', arguments: { plan: PLAN } })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(refused.content).toEqual([
      {
        type: 'text',
        text: expect.stringMatching(
          /^forbidden: the tool submit_plan needs the "operate" scope, which this MCP session does not have \(it has: read\)/,
        ),
      },
    ]);
    expect(await baton.listRuns()).toHaveLength(1);

    const markdown = await reader.readResource({ uri: 'baton://runs/http-1/routing-log' });
    expect(markdown.contents[0]).toMatchObject({
      mimeType: 'text/markdown',
      text: expect.stringContaining('## `second` → double (skill `math`)'),
    });
  });

  it('submit_plan of a plan that runs a program on the server needs admin: read,operate is refused, runs nothing and writes nothing', async () => {
    const baton = await workspace();
    const url = await listen(baton);
    const file = join(tempDir(), 'touched');
    const plan = {
      baton: 1,
      name: 'toucher',
      capabilities: { touch: { kind: 'command', command: ['touch', file], skills: { touch: 1 } } },
      steps: { touch: { skill: 'touch' } },
    };
    const source = `baton: 1\nname: toucher\ncapabilities:\n  touch: { kind: command, command: [touch, ${file}], skills: { touch: 1 } }\nsteps:\n  touch: { skill: touch }\n`;

    const ops = await connect(url, 'ops-token');
    for (const given of [{ plan }, { source }]) {
      const refused = (await ops.callTool({
        name: 'submit_plan',
        arguments: { ...given, runId: 'touch-1', waitSeconds: 30 },
      })) as CallToolResult;
      expect(refused.isError).toBe(true);
      expect(refused.content).toEqual([
        {
          type: 'text',
          text: 'forbidden: plan "toucher" declares capabilities that act as the server\'s user, on its machine and network (touch (command)): to submit it needs the admin scope; api:ops has read, operate. Have an admin do it, or route its steps to capabilities the server registers',
        },
      ]);
    }
    expect(existsSync(file)).toBe(false);
    expect(await baton.listRuns()).toEqual([]);

    const admin = await connect(url, 'admin-token');
    const submitted = (await admin.callTool({
      name: 'submit_plan',
      arguments: { plan, runId: 'touch-1', waitSeconds: 30 },
    })) as CallToolResult;
    expect(submitted.isError, JSON.stringify(submitted.content)).toBeFalsy();
    expect(submitted.structuredContent).toMatchObject({ runId: 'touch-1', status: 'succeeded' });
    expect(existsSync(file)).toBe(true);
    const [created] = await baton.events('touch-1');
    expect(created).toMatchObject({ type: 'run.created', data: { by: 'api:root' } });
  });

  it('answers GET and DELETE with 405 (stateless: no stream, no session), and the mount’s own 401 without a token', async () => {
    const url = await listen(await workspace());
    const get = await fetch(url, { headers: { authorization: 'Bearer ops-token', accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(((await get.json()) as { error: { message: string } }).error.message).toMatch(
      /stateless; send JSON-RPC requests with POST/,
    );
    expect((await fetch(url, { method: 'DELETE', headers: { authorization: 'Bearer ops-token' } })).status).toBe(405);
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(401);
  });
});
