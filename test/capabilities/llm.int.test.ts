import { existsSync, readFileSync } from 'node:fs';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/index.js';
import type { LlmCapability } from '../../src/core/index.js';
import { runView } from '../../src/engine/index.js';
import { routingLog } from '../../src/ledger/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { filesUnder, tempDir } from '../support/temp.js';

// Its name matches no secret pattern: only `api_key_env` makes it a secret.
const KEY_VARIABLE = 'FAKE_LLM_PASSPHRASE';
const KEY = 'sk-fake-4f1c9a7e2b8d';

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  delete process.env[KEY_VARIABLE];
  fake.requests.length = 0;
  fake.reply();
});

function model(
  name: string,
  price: { input_per_mtok: number; output_per_mtok: number },
  extra: Partial<LlmCapability> = {},
): LlmCapability {
  return {
    kind: 'llm' as const,
    provider: 'openai-compatible' as const,
    base_url: fake.url,
    model: name,
    skills: { summarize: 0.9 },
    max_input_tokens: 1_000,
    max_output_tokens: 100,
    price,
    ...extra,
  };
}

async function withBaton<T>(home: string, use: (baton: Baton) => Promise<T>): Promise<T> {
  const baton = await createBaton({ home });
  try {
    return await use(baton);
  } finally {
    await baton.close();
  }
}

describe('llm capabilities against a fake OpenAI-compatible server', () => {
  it("routes to the cheaper model when the stronger model's worst case cannot fit the budget, then settles at the usage", async () => {
    fake.reply({ text: 'A short summary.', usage: { prompt_tokens: 120, completion_tokens: 30 } });
    await withBaton(tempDir(), async (baton) => {
      const run = await baton.submit({
        baton: 1,
        name: 'cheapest',
        // The large model's worst case is $0.013 (1,000 tokens in at $10, 100 out at $30 per million).
        constraints: { budget_usd: 0.01 },
        capabilities: {
          large: model('large-model', { input_per_mtok: 10, output_per_mtok: 30 }),
          small: model('small-model', { input_per_mtok: 0.1, output_per_mtok: 0.4 }, { skills: { summarize: 0.6 } }),
        },
        steps: { summary: { skill: 'summarize', input: 'Summarize the report.' } },
      });
      expect(await run.result()).toMatchObject({ status: 'succeeded', outputs: { summary: 'A short summary.' } });
      expect(fake.requests.map((request) => request.body.model)).toEqual(['small-model']);
      const events = await baton.events(run.runId);
      const route = events.find((event) => event.type === 'step.routed');
      expect(route?.data).toMatchObject({
        capability: 'small',
        candidates: [
          { capability: 'large', chosen: false, reason: expect.stringMatching(/costs up to \$0.013 per attempt/) },
          { capability: 'small', chosen: true },
        ],
      });
      const dispatched = events.find((event) => event.type === 'attempt.dispatched');
      // The worst case: 1,000 tokens in at $0.10 and 100 out at $0.40 per million.
      expect(dispatched?.data).toMatchObject({ reservedUsd: (1_000 * 0.1 + 100 * 0.4) / 1e6 });
      const succeeded = events.find((event) => event.type === 'attempt.succeeded');
      const settled = (120 * 0.1 + 30 * 0.4) / 1e6;
      expect(succeeded?.data).toMatchObject({ costUsd: settled, usage: { inputTokens: 120, outputTokens: 30 } });
      const { record, state } = await baton.getRun(run.runId);
      const view = runView(record, state);
      expect(view.budget).toMatchObject({ spentUsd: settled, reservedUsd: 0 });
      expect(view.tokens).toEqual({ inputTokens: 120, outputTokens: 30 });
      expect(view.steps[0]?.tokens).toEqual({ inputTokens: 120, outputTokens: 30 });
      expect(routingLog(events)[0]?.attempts[0]).toMatchObject({ costUsd: settled, usage: { inputTokens: 120 } });
    });
  });

  it('refuses a plan whose budget cannot cover one worst-case call', async () => {
    await withBaton(tempDir(), async (baton) => {
      await expect(
        baton.submit({
          baton: 1,
          name: 'too-poor',
          constraints: { budget_usd: 0.0001 },
          capabilities: { large: model('large-model', { input_per_mtok: 10, output_per_mtok: 30 }) },
          steps: { summary: { skill: 'summarize', input: 'x' } },
        }),
      ).rejects.toThrow(/budget/);
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('retries a 429 after its retry-after and a 500, then succeeds', async () => {
    fake.reply(
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 500 },
      { text: 'done', usage: { prompt_tokens: 7, completion_tokens: 3 } },
    );
    await withBaton(tempDir(), async (baton) => {
      const run = await baton.submit({
        baton: 1,
        name: 'retry',
        capabilities: { m: model('m', { input_per_mtok: 1, output_per_mtok: 1 }) },
        steps: { s: { skill: 'summarize', input: 'go', retry: { max: 3 } } },
      });
      expect(await run.result()).toMatchObject({ status: 'succeeded', outputs: { s: 'done' } });
      const events = await baton.events(run.runId);
      const failures = events.filter((event) => event.type === 'attempt.failed').map((event) => event.data);
      expect(failures).toMatchObject([
        { error: { type: 'rate_limited', retryable: true, retryAfterMs: 1_000 } },
        { error: { type: 'http_status', retryable: true, detail: { status: 500 } } },
      ]);
      const retries = events.filter((event) => event.type === 'attempt.retry_scheduled').map((event) => event.data);
      expect(retries[0]).toMatchObject({ delayMs: 1_000 });
    });
  });

  it('routes to the cheaper of two equally strong models, and the routing log says why', async () => {
    fake.reply({ text: 'cheap answer', usage: { prompt_tokens: 7, completion_tokens: 3 } });
    await withBaton(tempDir(), async (baton) => {
      const run = await baton.submit({
        baton: 1,
        name: 'cheaper',
        capabilities: {
          'a-pricey': model('pricey-model', { input_per_mtok: 10, output_per_mtok: 30 }),
          'b-cheap': model('cheap-model', { input_per_mtok: 0.1, output_per_mtok: 0.3 }),
        },
        steps: { s: { skill: 'summarize', input: 'go' } },
      });
      expect(await run.result()).toMatchObject({ status: 'succeeded', outputs: { s: 'cheap answer' } });
      expect(fake.requests.map((request) => request.body.model)).toEqual(['cheap-model']);
      const routed = (await baton.events(run.runId)).find((event) => event.type === 'step.routed');
      const pricey = (routed?.data as { candidates: { capability: string; reason: string }[] }).candidates.find(
        (candidate) => candidate.capability === 'a-pricey',
      );
      expect(pricey?.reason).toMatch(/^as strong as "b-cheap" \(0\.9\) but costs more/);
    });
  });

  it('falls back to a second provider after 429s, and the reroute says why the first was passed over', async () => {
    fake.replyTo('primary-model', { status: 429, headers: { 'retry-after': '1' } });
    fake.replyTo('backup-model', { text: 'from the backup', usage: { prompt_tokens: 7, completion_tokens: 3 } });
    await withBaton(tempDir(), async (baton) => {
      const run = await baton.submit({
        baton: 1,
        name: 'fallback',
        routing: { fallback: true },
        capabilities: {
          primary: model('primary-model', { input_per_mtok: 1, output_per_mtok: 1 }),
          backup: model('backup-model', { input_per_mtok: 1, output_per_mtok: 1 }, { skills: { summarize: 0.5 } }),
        },
        steps: { s: { skill: 'summarize', input: 'go', retry: { max: 2 } } },
      });
      expect(await run.result()).toMatchObject({ status: 'succeeded', outputs: { s: 'from the backup' } });
      expect(fake.requests.map((request) => request.body.model)).toEqual(['primary-model', 'backup-model']);
      const events = await baton.events(run.runId);
      const failed = events.find((event) => event.type === 'attempt.failed');
      expect(failed?.data).toMatchObject({ error: { type: 'rate_limited', retryable: true, retryAfterMs: 1_000 } });
      const rerouted = events.find((event) => event.type === 'step.rerouted');
      expect(rerouted?.data).toMatchObject({ step: 's', from: 'primary', capability: 'backup' });
      expect((rerouted?.data as { reason: string }).reason).toMatch(
        /^passed over "primary" \(its attempt s\/a1 failed\)/,
      );
    });
  });

  it('fails a step whose structured answer does not match output_schema, with a clear error', async () => {
    fake.reply({ text: '{"verdict": "maybe"}' });
    await withBaton(tempDir(), async (baton) => {
      const run = await baton.submit({
        baton: 1,
        name: 'structured',
        capabilities: {
          judge: model(
            'judge',
            { input_per_mtok: 1, output_per_mtok: 1 },
            {
              output_schema: {
                type: 'object',
                properties: { verdict: { type: 'string', enum: ['yes', 'no'] } },
                required: ['verdict'],
              },
            },
          ),
        },
        steps: { judge: { skill: 'summarize', input: { question: 'Is it done?' } } },
      });
      const result = await run.result();
      expect(result.status).toBe('failed');
      expect(result.failure).toMatch(/does not match output_schema/);
      // The schema went to the server as a JSON Schema response format.
      expect(fake.requests[0]?.body.response_format).toMatchObject({ type: 'json_schema' });
    });
  });

  it('keeps the API key out of the ledger, the database, the artifacts and every view, while sending it', async () => {
    process.env[KEY_VARIABLE] = KEY;
    const home = tempDir();
    // A model that repeats what it was given (here: the key) must not get it into the record either.
    fake.reply({ text: `the key is ${KEY}` }, { status: 401 });
    await withBaton(home, async (baton) => {
      const capability = model('m', { input_per_mtok: 1, output_per_mtok: 1 }, { api_key_env: KEY_VARIABLE });
      const run = await baton.submit({
        baton: 1,
        name: 'secret',
        capabilities: { m: capability },
        steps: {
          echo: { skill: 'summarize', input: 'x' },
          denied: { skill: 'summarize', input: 'y', after: ['echo'] },
        },
      });
      const result = await run.result();
      expect(result).toMatchObject({ status: 'failed', outputs: { echo: `the key is [redacted:${KEY_VARIABLE}]` } });
      expect(fake.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
      const events = await baton.events(run.runId);
      const { record, state } = await baton.getRun(run.runId);
      const surfaces = [events, runView(record, state), routingLog(events), result];
      for (const surface of surfaces) expect(JSON.stringify(surface)).not.toContain(KEY);
    });
    const files = filesUnder(home);
    expect(files.some((file) => file.endsWith('baton.db'))).toBe(true);
    for (const file of files.filter((path) => existsSync(path)))
      expect(readFileSync(file).includes(KEY), file).toBe(false);
  });
});

describe('the fake server', () => {
  it('streams chat completions with usage in the final chunk', async () => {
    fake.reply({ text: 'streamed answer', usage: { prompt_tokens: 11, completion_tokens: 4 } });
    const provider = createOpenAICompatible({ name: 'fake', baseURL: fake.url, includeUsage: true });
    const result = streamText({ model: provider('m'), prompt: 'hi', maxRetries: 0 });
    expect(await result.text).toBe('streamed answer');
    expect(await result.usage).toMatchObject({ inputTokens: 11, outputTokens: 4 });
    expect(fake.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });
});
