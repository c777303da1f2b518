import { APICallError } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { AbortReason, CapabilityFailure, type AttemptFiles, type Invocation } from '../../src/capabilities/index.js';
import { llmRunner } from '../../src/capabilities/llm/llm-capability.js';
import { retryAfterMs } from '../../src/capabilities/llm/llm-failure.js';
import { buildRegistry, type Json, type LlmCapability, type TokenUsage } from '../../src/core/index.js';
import { parsePlan } from '../../src/core/index.js';

type GenerateResult = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>;

function answer(text: string, inputTokens = 100, outputTokens = 20, finish = 'stop'): GenerateResult {
  return {
    content: text === '' ? [] : [{ type: 'text', text }],
    finishReason: { unified: finish as 'stop', raw: finish },
    usage: {
      inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
    },
    warnings: [],
  };
}

const config: LlmCapability = {
  kind: 'llm',
  provider: 'openai',
  model: 'gpt-test',
  skills: { summarize: 1 },
  system: 'Be brief.',
  prompt: 'Summarize: {{ input.text }}',
  price: { input_per_mtok: 1, output_per_mtok: 10 },
};

function invocationOf(input: Json, signal = new AbortController().signal) {
  const reported = { costs: [] as number[], usage: [] as TokenUsage[] };
  const files: AttemptFiles = {
    artifactsDir: () => '/nonexistent',
    costFile: () => '/nonexistent/cost',
    reportCost: (usd) => reported.costs.push(usd),
    reportUsage: (usage) => reported.usage.push(usage),
    reportToolCall: () => {},
  };
  const invocation: Invocation = {
    runId: 'run_1',
    step: 'summary',
    attemptId: 'a1',
    idempotencyKey: 'k1',
    input,
    inputs: {},
    scope: null,
    signal,
    files,
  };
  return { invocation, reported };
}

async function failureOf(promise: Promise<unknown>): Promise<CapabilityFailure> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CapabilityFailure);
  return error as CapabilityFailure;
}

describe('llm runner (against the AI SDK mock model)', () => {
  it('sends the rendered prompt and system, bounds the output, and settles at the reported usage', async () => {
    const model = new MockLanguageModelV3({ doGenerate: answer('Short.', 1_000, 200) });
    const runner = llmRunner('writer', config, undefined, () => model);
    const { invocation, reported } = invocationOf({ text: 'a long story' });
    await expect(runner.invoke(invocation)).resolves.toBe('Short.');
    const call = model.doGenerateCalls[0];
    expect(call?.prompt).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Summarize: a long story' }] },
    ]);
    expect(call?.maxOutputTokens).toBe(4_096);
    expect(reported.usage).toEqual([{ inputTokens: 1_000, outputTokens: 200 }]);
    expect(reported.costs).toEqual([(1_000 * 1 + 200 * 10) / 1_000_000]);
  });

  it('sends the input as text, or as JSON, when no prompt is given', async () => {
    const model = new MockLanguageModelV3({ doGenerate: [answer('a'), answer('b')] });
    const runner = llmRunner('writer', { ...config, prompt: undefined, system: undefined }, undefined, () => model);
    await runner.invoke(invocationOf('plain words').invocation);
    await runner.invoke(invocationOf({ n: 1 }).invocation);
    const texts = model.doGenerateCalls.map((call) => JSON.stringify(call.prompt));
    expect(texts[0]).toContain('"text":"plain words"');
    expect(texts[1]).toContain('"text":"{\\"n\\":1}"');
  });

  it('returns the validated object for output_schema, and fails clearly when the answer does not comply', async () => {
    const schema = { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] };
    const good = new MockLanguageModelV3({ doGenerate: answer('{"score": 0.5}') });
    const withSchema = { ...config, output_schema: schema };
    await expect(
      llmRunner('judge', withSchema, undefined, () => good).invoke(invocationOf({ text: 't' }).invocation),
    ).resolves.toEqual({
      score: 0.5,
    });
    const bad = new MockLanguageModelV3({ doGenerate: answer('{"score": "high"}', 50, 5) });
    const { invocation, reported } = invocationOf({ text: 't' });
    const failure = await failureOf(llmRunner('judge', withSchema, undefined, () => bad).invoke(invocation));
    expect(failure.error).toMatchObject({ type: 'invalid_output', retryable: false });
    expect(failure.error.message).toMatch(/does not match output_schema/);
    // The call was made and paid for: its usage settles the attempt even though it failed.
    expect(reported.usage).toEqual([{ inputTokens: 50, outputTokens: 5 }]);
  });

  it('fails a refusal and an empty answer with their reasons', async () => {
    const refused = new MockLanguageModelV3({ doGenerate: answer('', 10, 0, 'content-filter') });
    const refusal = await failureOf(
      llmRunner('w', config, undefined, () => refused).invoke(invocationOf({ text: 't' }).invocation),
    );
    expect(refusal.error).toMatchObject({ type: 'refusal', retryable: false });
    const empty = new MockLanguageModelV3({ doGenerate: answer('  ') });
    const none = await failureOf(
      llmRunner('w', config, undefined, () => empty).invoke(invocationOf({ text: 't' }).invocation),
    );
    expect(none.error).toMatchObject({ type: 'empty_answer' });
    expect(none.error.message).toMatch(/empty answer \(finish reason: stop\)/);
  });

  it('refuses a prompt over max_input_tokens before any call', async () => {
    const model = new MockLanguageModelV3({ doGenerate: answer('never') });
    const small = { ...config, max_input_tokens: 10 };
    const failure = await failureOf(
      llmRunner('w', small, undefined, () => model).invoke(invocationOf({ text: 'x'.repeat(100) }).invocation),
    );
    expect(failure.error).toMatchObject({ type: 'prompt_too_long', retryable: false });
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('refuses an endpoint outside the step scope before any call', async () => {
    const model = new MockLanguageModelV3({ doGenerate: answer('never') });
    const { invocation } = invocationOf({ text: 't' });
    const failure = await failureOf(
      llmRunner('w', config, undefined, () => model).invoke({ ...invocation, scope: ['https://internal.example.com'] }),
    );
    expect(failure.error).toMatchObject({ type: 'scope', retryable: false });
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('maps provider errors: 429 and 5xx retryable (with retry-after), other 4xx not', async () => {
    const apiError = (statusCode: number, headers: Record<string, string> = {}) =>
      new APICallError({
        message: `status ${statusCode}`,
        url: 'https://api.openai.com/v1/chat/completions',
        requestBodyValues: {},
        statusCode,
        responseHeaders: headers,
      });
    const failing = (error: Error) =>
      llmRunner('w', config, undefined, () => new MockLanguageModelV3({ doGenerate: () => Promise.reject(error) }));
    const limited = await failureOf(
      failing(apiError(429, { 'retry-after': '7' })).invoke(invocationOf({ text: 't' }).invocation),
    );
    expect(limited.error).toMatchObject({ type: 'rate_limited', retryable: true, retryAfterMs: 7_000 });
    const down = await failureOf(failing(apiError(503)).invoke(invocationOf({ text: 't' }).invocation));
    expect(down.error).toMatchObject({ type: 'http_status', retryable: true, detail: { status: 503 } });
    const denied = await failureOf(failing(apiError(401)).invoke(invocationOf({ text: 't' }).invocation));
    expect(denied.error).toMatchObject({ type: 'http_status', retryable: false });
    expect(denied.error).not.toHaveProperty('retryAfterMs');
  });

  it('reports a timeout as a retryable timeout', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModelV3({
      doGenerate: ({ abortSignal }) =>
        new Promise((_, reject) => {
          if (abortSignal?.aborted) reject(new Error('aborted'));
          abortSignal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const pending = llmRunner('w', config, undefined, () => model).invoke(
      invocationOf({ text: 't' }, controller.signal).invocation,
    );
    controller.abort(AbortReason.timeout);
    const failure = await failureOf(pending);
    expect(failure.error).toMatchObject({ type: 'timeout', retryable: true });
  });

  it('fails without a call when the key variable is not set', async () => {
    const model = new MockLanguageModelV3({ doGenerate: answer('never') });
    const keyed = { ...config, api_key_env: 'BATON_TEST_UNSET_LLM_KEY' };
    const failure = await failureOf(
      llmRunner('w', keyed, undefined, () => model).invoke(invocationOf({ text: 't' }).invocation),
    );
    expect(failure.error).toMatchObject({ type: 'configuration', retryable: false });
    expect(failure.error.message).toContain('BATON_TEST_UNSET_LLM_KEY');
  });
});

describe('llm in the plan language', () => {
  const plan = (capability: Record<string, unknown>) =>
    parsePlan(
      JSON.stringify({
        baton: 1,
        name: 'llm',
        capabilities: { m: { kind: 'llm', skills: { write: 1 }, ...capability } },
        steps: { s: { skill: 'write' } },
      }),
      { registry: (parsed) => buildRegistry(parsed) },
    );

  it('reserves max_input_tokens and max_output_tokens at the price as the worst case', () => {
    const parsed = plan({
      provider: 'openai',
      model: 'gpt-4o-mini',
      max_input_tokens: 1_000,
      max_output_tokens: 500,
      price: { input_per_mtok: 2, output_per_mtok: 8 },
      timeout: '30s',
    });
    expect(buildRegistry(parsed).m).toMatchObject({
      kind: 'llm',
      costUsd: (1_000 * 2 + 500 * 8) / 1e6,
      timeoutMs: 30_000,
    });
  });

  it('refuses an openai-compatible provider without base_url, and price together with cost_usd', () => {
    expect(() => plan({ provider: 'openai-compatible', model: 'llama3' })).toThrow(/needs base_url/);
    expect(() => plan({ provider: 'openai', model: 'x', output_schema: { type: 'nonsense' } })).toThrow(
      /output_schema/,
    );
    expect(() =>
      plan({ provider: 'openai', model: 'x', cost_usd: 1, price: { input_per_mtok: 1, output_per_mtok: 1 } }),
    ).toThrow(/price or cost_usd, not both/);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2', 0)).toBe(2_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });
});
