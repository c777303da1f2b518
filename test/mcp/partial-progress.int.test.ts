import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/engine/index.js';
import { createMcpServer } from '../../src/mcp/index.js';
import { startFakeOpenAi, streamingPlan, type FakeOpenAi } from '../support/fake-openai.js';
import { tempDir } from '../support/temp.js';

// Its name matches no secret pattern: only `api_key_env` makes it a secret.
const KEY_VARIABLE = 'FAKE_MCP_STREAM_PASSPHRASE';
const KEY = 'sk-fake-4c1f9e2a7b';
// The key is split across two pieces: only redacting the whole text so far finds it.
const PIECES = ['The key ', `is ${KEY.slice(0, 8)}`, `${KEY.slice(8)} and `, 'the answer ', 'is 42.'];

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  delete process.env[KEY_VARIABLE];
  fake.reply();
});

/** An MCP client connected in memory to a Baton MCP server with the admin scope (plans that call models need it). */
async function connect(baton: Baton): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = createMcpServer({ baton, scopes: ['admin'], principal: 'mcp:test' });
  await server.connect(serverSide);
  const client = new Client({ name: 'baton-progress-test', version: '1.0.0' });
  await client.connect(clientSide);
  cleanup.push(async () => {
    await client.close();
    await server.close();
  });
  return client;
}

describe('MCP: partial output of a streamed model answer', () => {
  it('reaches a submit_plan caller that asked for progress, redacted, before the answer, and never the ledger', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply({ deltas: PIECES, delayMs: 250, usage: { prompt_tokens: 12, completion_tokens: 9 } });
    const baton = await createBaton({ home: tempDir() });
    cleanup.push(() => baton.close());
    const client = await connect(baton);

    const progress: Progress[] = [];
    const result = await client.callTool(
      { name: 'submit_plan', arguments: { plan: streamingPlan(fake, KEY_VARIABLE), waitSeconds: 30 } },
      CallToolResultSchema,
      { onprogress: (update) => progress.push(update) },
    );
    const outcome = result.structuredContent as { runId: string; status: string };
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(outcome.status).toBe('succeeded');

    const messages = progress.map((update) => update.message ?? '');
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const message of messages) {
      expect(message).toMatch(/^answer answer\/a1: /);
      expect(message).not.toContain(KEY);
    }
    // Each is the whole text so far: it grows, numbered in order.
    for (let i = 1; i < messages.length; i += 1) {
      expect(messages[i]!.length).toBeGreaterThan(messages[i - 1]!.length);
      expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    }
    const events = await baton.events(outcome.runId);
    expect(events.filter((event) => event.type.includes('partial'))).toEqual([]);
    expect(JSON.stringify(events)).not.toContain(KEY);
  });

  it('sends no progress to a caller that did not ask for it', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply({ deltas: PIECES, delayMs: 100 });
    const baton = await createBaton({ home: tempDir() });
    cleanup.push(() => baton.close());
    const client = await connect(baton);
    const notified: unknown[] = [];
    client.fallbackNotificationHandler = async (notification) => {
      notified.push(notification);
    };
    const result = await client.callTool({
      name: 'submit_plan',
      arguments: { plan: streamingPlan(fake, KEY_VARIABLE), waitSeconds: 30 },
    });
    expect((result.structuredContent as { status: string }).status).toBe('succeeded');
    expect(notified).toEqual([]);
  });
});
