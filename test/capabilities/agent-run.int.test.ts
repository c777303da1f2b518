import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argumentsHash } from '../../src/capabilities/agent/agent-tool-calls.js';
import { createBaton } from '../../src/index.js';
import { tempDir } from '../support/temp.js';

const FILESYSTEM = join(import.meta.dirname, '../../node_modules/.bin/mcp-server-filesystem');

/**
 * An OpenAI-compatible chat endpoint that plays a tool loop: while the conversation holds no
 * tool result it asks for `files__read_text_file` of `path`, then it answers with what it read.
 */
function toolLoopServer(path: string): Server {
  return createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const body = JSON.parse(text) as {
        model: string;
        messages: { role: string; content: unknown }[];
        tools?: { function: { name: string } }[];
      };
      offered.push((body.tools ?? []).map((tool) => tool.function.name));
      const result = body.messages.find((message) => message.role === 'tool');
      const message =
        result === undefined
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'files__read_text_file', arguments: JSON.stringify({ path }) },
                },
              ],
            }
          : { role: 'assistant', content: `read: ${JSON.stringify(result.content)}` };
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          id: 'chatcmpl-agent',
          object: 'chat.completion',
          created: 1_700_000_000,
          model: body.model,
          choices: [{ index: 0, message, finish_reason: result === undefined ? 'tool_calls' : 'stop' }],
          usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
        }),
      );
    });
  });
}

/** The tool names each request to the fake offered the model, in order. */
const offered: string[][] = [];
let dir: string;
let notes: string;
let fake: Server;
let url: string;
beforeAll(async () => {
  dir = tempDir();
  notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'the launch code is tangerine\n');
  fake = toolLoopServer(notes);
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise((resolve) => fake.close(resolve));
});

describe('an agent run, end to end through the engine', () => {
  it('records the tool call as a ledger event before the outcome, settles the tokens, and verifies', async () => {
    const baton = await createBaton({ home: tempDir() });
    try {
      const run = await baton.submit({
        baton: 1,
        name: 'agent-run',
        constraints: { budget_usd: 1 },
        capabilities: {
          researcher: {
            kind: 'agent',
            provider: 'openai-compatible',
            base_url: url,
            model: 'loop-model',
            skills: { research: 1 },
            price: { input_per_mtok: 1, output_per_mtok: 2 },
            max_steps: 4,
            servers: { files: { command: [FILESYSTEM, dir] } },
            tools: ['files/read_text_file'],
          },
        },
        steps: { research: { skill: 'research', input: 'Find the launch code.' } },
      });
      const result = await run.result();
      expect(result).toMatchObject({ status: 'succeeded' });
      expect(JSON.stringify(result.outputs)).toContain('tangerine');
      const events = await baton.events(run.runId);
      const types = events.map((event) => event.type);
      const called = types.indexOf('attempt.tool_called');
      expect(types[called + 1]).toBe('attempt.succeeded');
      expect(events[called]?.data).toMatchObject({
        tool: 'read_text_file',
        server: 'files',
        argumentsHash: argumentsHash({ path: notes }),
        outcome: 'ok',
      });
      expect(events[called + 1]?.data).toMatchObject({
        usage: { inputTokens: 100, outputTokens: 20 },
        costUsd: (100 * 1 + 20 * 2) / 1e6,
      });
      expect(await baton.verify(run.runId)).toMatchObject({ ok: true });
    } finally {
      await baton.close();
    }
  });

  it("narrows the agent's tools to the step's tools: the model is offered only those, and its call to another is refused in the ledger", async () => {
    const baton = await createBaton({ home: tempDir() });
    // The directory of beforeAll is removed after the first test (tempDir): the server gets one of its own.
    const served = tempDir();
    try {
      offered.length = 0;
      const run = await baton.submit({
        baton: 1,
        name: 'agent-narrowed',
        capabilities: {
          researcher: {
            kind: 'agent',
            provider: 'openai-compatible',
            base_url: url,
            model: 'loop-model',
            skills: { research: 1 },
            max_steps: 4,
            servers: { files: { command: [FILESYSTEM, served] } },
            tools: ['files/read_text_file', 'files/list_directory'],
          },
        },
        steps: { research: { skill: 'research', input: 'Find the launch code.', tools: ['files/list_directory'] } },
      });
      const result = await run.result();
      expect(result).toMatchObject({ status: 'succeeded' });
      // The model asked for read_text_file anyway: it was never sent, so the file was never read.
      expect(JSON.stringify(result.outputs)).not.toContain('tangerine');
      expect(offered[0]).toEqual(['files__list_directory']);
      const events = await baton.events(run.runId);
      expect(events.filter((event) => event.type === 'attempt.tool_called').map((event) => event.data)).toEqual([
        {
          attemptId: 'research/a1',
          tool: 'read_text_file',
          server: 'files',
          argumentsHash: argumentsHash({ path: notes }),
          outcome: 'refused',
          durationMs: 0,
          reason: "not in the step's tools allow-list (files/list_directory)",
        },
      ]);
      expect(await baton.verify(run.runId)).toMatchObject({ ok: true });
    } finally {
      await baton.close();
    }
  });
});
