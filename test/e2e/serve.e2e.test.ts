import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, batonAsync } from './cli.js';

/** Starts `baton serve --port 0` and resolves with its URL once it listens. */
function serve(
  home: string,
  args: string[] = [],
): Promise<{ url: string; stop: () => Promise<{ code: number | null; stdout: string }> }> {
  const child = batonAsync(['serve', '--port', '0', ...args], { home });
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) {
        resolve({
          url,
          stop: async () => {
            child.kill('SIGTERM');
            const code = await exited;
            return { code, stdout };
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`baton serve exited with ${code} before listening:\n${stdout}`)));
  });
}

describe('baton serve', () => {
  it('refuses to listen beyond loopback without tokens (exit 2), and a bad option, and says why', () => {
    const home = tempDir();
    const open = baton(['serve', '--host', '0.0.0.0', '--port', '0'], { home });
    expect(open.code).toBe(2);
    expect(open.stderr).toContain(
      'baton: refusing to serve on 0.0.0.0 without authentication: the workspace has no tokens',
    );
    const port = baton(['serve', '--port', 'eighty'], { home });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port expects a whole number from 0 to 65535, got "eighty"');
    const anonymous = baton(['serve', '--host', '0.0.0.0', '--port', '0', '--allow-anonymous'], { home });
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain('--allow-anonymous is for a server on a loopback address');
    const cors = baton(['serve', '--cors', 'https://x.example/path'], { home });
    expect(cors.code).toBe(2);
    expect(cors.stderr).toContain('--cors expects one web origin');
  });

  it('serves a loopback workspace without tokens read-only, and says so', async () => {
    const home = tempDir();
    const server = await serve(home);
    expect((await fetch(`${server.url}/v1/runs`)).status).toBe(200);
    const refused = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: { baton: 1, name: 'x', steps: {} } }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'or start baton serve with --allow-anonymous',
    );
    const { code, stdout } = await server.stop();
    expect(code).toBe(0);
    expect(stdout).toContain('auth: read-only without a token');
    expect(JSON.parse(baton(['status', '--json'], { home }).stdout)).toEqual([]);
  });

  it('with --allow-anonymous, serves a loopback workspace open until a token exists, says so, and stops on SIGTERM with exit 0, leaving its runs resumable', async () => {
    const home = tempDir();
    const server = await serve(home, ['--allow-anonymous']);
    const submitted = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        plan: {
          baton: 1,
          name: 'review',
          capabilities: { person: { kind: 'human', skills: { review: 1 } } },
          steps: { review: { skill: 'review' } },
        },
        runId: 'r-1',
      }),
    });
    expect(submitted.status).toBe(201);
    const { code, stdout } = await server.stop();
    expect(code).toBe(0);
    expect(stdout).toContain('auth: OPEN: the workspace has no tokens');
    expect(stdout).toContain('baton serve: stopping');
    // The run outlives the server: answered from the CLI and resumed, it ends.
    expect(baton(['submit', 'r-1', 'review', '--output', '{"ok": true}'], { home }).code).toBe(0);
    const resumed = baton(['resume', 'r-1', '--json'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', outputs: { review: { ok: true } } });
    const created = JSON.parse(baton(['status', 'r-1', '--json'], { home }).stdout) as { status: string };
    expect(created.status).toBe('succeeded');
  });

  it('with tokens, requires one, and never prints a secret', async () => {
    const home = tempDir();
    const { secret } = JSON.parse(
      baton(['token', 'create', '--scope', 'read,operate', '--name', 'ci', '--json'], { home }).stdout,
    ) as { secret: string };
    const server = await serve(home);
    expect((await fetch(`${server.url}/v1/runs`)).status).toBe(401);
    const response = await fetch(`${server.url}/v1/context/objectives`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'ship it' }),
    });
    expect(response.status).toBe(201);
    const { stdout } = await server.stop();
    expect(stdout).toContain('auth: bearer tokens (1 active');
    expect(stdout).not.toContain(secret);
  });
});

describe('baton serve: MCP at /mcp', () => {
  it("serves the MCP tools over streamable HTTP with the calling token's scopes: a token without approve cannot pass a gate", async () => {
    const home = tempDir();
    const token = (scope: string, name: string) =>
      (
        JSON.parse(baton(['token', 'create', '--scope', scope, '--name', name, '--json'], { home }).stdout) as {
          secret: string;
        }
      ).secret;
    const agent = token('read,operate', 'agent');
    const server = await serve(home);
    try {
      expect(
        (
          await fetch(`${server.url}/mcp`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
      ).toBe(401);
      const client = new Client({ name: 'serve-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${agent}` } },
        }),
      );
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['submit_plan', 'request_handoff', 'approve', 'validate_phase_transition']),
      );
      const plan = {
        baton: 1,
        name: 'gated',
        phases: ['infrastructure', { id: 'execution', gate: { approval: true } }],
        capabilities: { person: { kind: 'human', skills: { review: 1 } } },
        steps: {
          setup: { skill: 'review', phase: 'infrastructure' },
          ship: { skill: 'review', phase: 'execution', after: ['setup'] },
        },
      };
      const submitted = (await client.callTool({ name: 'submit_plan', arguments: { plan } })) as {
        isError?: boolean;
        structuredContent?: { runId: string };
      };
      expect(submitted.isError, JSON.stringify(submitted)).toBeFalsy();
      const refused = (await client.callTool({
        name: 'approve',
        arguments: { runId: submitted.structuredContent!.runId, target: 'execution' },
      })) as { isError?: boolean; content: { text: string }[] };
      expect(refused.isError).toBe(true);
      expect(refused.content[0]!.text).toContain('approve');
      // Nor can it run a program on the server: a plan with a command capability needs admin, as over REST.
      const touched = join(home, 'touched');
      const touching = {
        baton: 1,
        name: 'toucher',
        capabilities: { touch: { kind: 'command', command: ['touch', touched], skills: { touch: 1 } } },
        steps: { touch: { skill: 'touch' } },
      };
      const runCount = (): number => (JSON.parse(baton(['status', '--json'], { home }).stdout) as unknown[]).length;
      const runs = runCount();
      expect(runs).toBe(1);
      const forbidden = (await client.callTool({
        name: 'submit_plan',
        arguments: { plan: touching, waitSeconds: 5 },
      })) as { isError?: boolean; content: { text: string }[] };
      expect(forbidden.isError).toBe(true);
      expect(forbidden.content[0]!.text).toMatch(
        /^forbidden: plan "toucher" declares capabilities that act as the server's user, on its machine and network \(touch \(command\)\): to submit it needs the admin scope; token:agent has read, operate\./,
      );
      expect(existsSync(touched)).toBe(false);
      expect(runCount()).toBe(runs);
      await client.close();
    } finally {
      await server.stop();
    }
  });
});

describe('baton token', () => {
  it('creates (the secret printed once), lists (never a secret), and revokes, by id or name', () => {
    const home = tempDir();
    const created = baton(['token', 'create', '--scope', 'read', '--name', 'dash'], { home });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      /^created token dash \(tok_[0-9a-f]{12}\) with scope read\nsecret \(shown only now.*\nbaton_[A-Za-z0-9_-]{43}\n$/,
    );
    const secret = created.stdout.trim().split('\n').at(-1) as string;
    const list = baton(['token', 'list', '--json'], { home });
    expect(JSON.parse(list.stdout)).toEqual([
      {
        id: expect.stringMatching(/^tok_/),
        name: 'dash',
        scopes: ['read'],
        createdAt: expect.any(String),
        revokedAt: null,
      },
    ]);
    expect(list.stdout + baton(['token', 'list'], { home }).stdout).not.toContain(secret.slice(6));
    expect(baton(['token', 'revoke', 'dash'], { home }).stdout).toMatch(/^revoked token dash/);
    const again = baton(['token', 'revoke', 'dash'], { home });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('token "dash" was revoked already');
    expect(baton(['token', 'revoke', 'nobody'], { home }).code).toBe(2);
  });

  it('refuses a bad scope or name before a workspace is created (exit 2)', () => {
    const home = join(tempDir(), 'none');
    const scope = baton(['token', 'create', '--scope', 'read,root'], { home });
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain('unknown scope "root"; scopes are read, operate, perform, approve, admin');
    const name = baton(['token', 'create', '--scope', 'read', '--name', 'no spaces'], { home });
    expect(name.code).toBe(2);
    expect(existsSync(home)).toBe(false);
    expect(JSON.parse(baton(['token', 'list', '--json'], { home }).stdout)).toEqual([]);
  });
});
