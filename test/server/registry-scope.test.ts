import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/index.js';
import { createBaton, loadRegistryFile, type Baton } from '../../src/engine/index.js';
import { createMcpServer } from '../../src/mcp/index.js';
import { createApp } from '../../src/server/index.js';
import { tempDir } from '../support/temp.js';
import { expectError, storeSnapshot, waitFor } from './harness.js';

/**
 * A server whose workspace registry declares `touch`, a command that writes `touched` in the
 * registry's directory; `policy` is the registry's `plans:` line, if any.
 */
async function serverWithRegistry(policy = '') {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'baton.yaml'),
    `capabilities:\n  touch:\n    kind: command\n    command: [node, -e, "require('fs').writeFileSync('touched', 'yes')"]\n    skills: { touch: 1 }\n${policy}`,
  );
  const baton = await createBaton({ home: dir, registry: await loadRegistryFile(join(dir, 'baton.yaml')) });
  const token = async (scope: 'operate' | 'admin'): Promise<string> =>
    (await baton.tokens.create({ name: scope, scopes: [scope] })).secret;
  const tokens = { operate: await token('operate'), admin: await token('admin') };
  const app = createApp({ baton, auth: { anonymous: 'never' }, log: () => {} });
  const post = (path: string, secret: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { dir, baton, tokens, post, touched: join(dir, 'touched') };
}

const USES_REGISTRY: Plan = { baton: 1, name: 'uses-registry', steps: { touch: { skill: 'touch' } } };

function declaring(file: string): Plan {
  return {
    baton: 1,
    name: 'declares',
    capabilities: { mine: { kind: 'command', command: ['touch', file], skills: { mine: 1 } } },
    steps: { mine: { skill: 'mine' } },
  };
}

const succeeded = (baton: Baton, runId: string) =>
  waitFor(
    () => baton.getRun(runId),
    ({ state }) => state.status === 'succeeded',
  );

describe('plan scope with a workspace registry: what the plan declares counts, not what the registry does', () => {
  it('HTTP: an operate token runs a plan that only uses registry commands, and may not submit one declaring a command', async () => {
    const s = await serverWithRegistry();
    const response = await s.post('/v1/runs', s.tokens.operate, { plan: USES_REGISTRY });
    expect(response.status, await response.clone().text()).toBe(201);
    const { runId } = (await response.json()) as { runId: string };
    await succeeded(s.baton, runId);
    expect(readFileSync(s.touched, 'utf8')).toBe('yes');

    const own = join(tempDir(), 'own');
    const before = await storeSnapshot(s.baton);
    const error = await expectError(
      await s.post('/v1/runs', s.tokens.operate, { plan: declaring(own) }),
      403,
      'forbidden',
    );
    expect(error.message).toContain('(mine (command))');
    expect(error.message).not.toContain('touch (command)');
    expect(await storeSnapshot(s.baton)).toBe(before);
    expect(existsSync(own)).toBe(false);
    await s.baton.close();
  });

  it('HTTP: the policy refuses a plan declaring a command even for an admin token, as an invalid plan', async () => {
    const s = await serverWithRegistry('plans:\n  may_declare: [human, llm]\n');
    const own = join(tempDir(), 'own');
    const error = await expectError(
      await s.post('/v1/runs', s.tokens.admin, { plan: declaring(own) }),
      400,
      'plan_invalid',
    );
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: ['body', 'plan', 'capabilities', 'mine', 'kind'],
        message: expect.stringMatching(/not command/),
      }),
    ]);
    expect(await s.baton.listRuns()).toEqual([]);
    await s.baton.close();
  });

  it('MCP: an operate session submits a plan that only uses registry commands, and not one declaring a command', async () => {
    const s = await serverWithRegistry();
    const server = createMcpServer({ baton: s.baton, scopes: ['read', 'operate'], principal: 'mcp:agent' });
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(clientSide);
    const text = (result: Awaited<ReturnType<Client['callTool']>>): string =>
      (result.content as { type: string; text: string }[]).map((part) => part.text).join('\n');

    const ran = await client.callTool({ name: 'submit_plan', arguments: { plan: USES_REGISTRY, waitSeconds: 10 } });
    expect(ran.isError, text(ran)).toBeFalsy();
    expect(readFileSync(s.touched, 'utf8')).toBe('yes');

    const own = join(tempDir(), 'own');
    const refused = await client.callTool({ name: 'submit_plan', arguments: { plan: declaring(own), waitSeconds: 0 } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('needs the admin scope');
    expect(existsSync(own)).toBe(false);
    expect(await s.baton.listRuns()).toHaveLength(1);
    await client.close();
    await s.baton.close();
  });
});
