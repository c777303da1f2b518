import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CapabilityFailure, type AttemptFiles, type Invocation } from '../../src/capabilities/index.js';
import { llmRunner } from '../../src/capabilities/llm/llm-capability.js';
import type { LlmCapability, TokenUsage } from '../../src/core/index.js';
import { PartialThrottle } from '../../src/engine/partial-throttle.js';

type StreamPart = LanguageModelV3StreamPart;

/** A model that writes `pieces` one chunk at a time, then finishes with usage. */
function streamingModel(pieces: string[], finish = 'stop'): MockLanguageModelV3 {
  const chunks: StreamPart[] = [
    { type: 'text-start', id: 't' },
    ...pieces.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
    { type: 'text-end', id: 't' },
    {
      type: 'finish',
      finishReason: { unified: finish as 'stop', raw: finish },
      usage: {
        inputTokens: { total: 40, noCache: 40, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 8, text: 8, reasoning: undefined },
      },
    },
  ];
  return new MockLanguageModelV3({
    doStream: async () => ({ stream: simulateReadableStream<StreamPart>({ chunks }) }),
  });
}

const config: LlmCapability = {
  kind: 'llm',
  provider: 'openai',
  model: 'gpt-test',
  skills: { summarize: 1 },
  stream: true,
  price: { input_per_mtok: 1, output_per_mtok: 10 },
};

function invocationOf(partials: string[]) {
  const usage: TokenUsage[] = [];
  const files: AttemptFiles = {
    artifactsDir: () => '/nonexistent',
    costFile: () => '/nonexistent/cost',
    reportCost: () => {},
    reportToolCall: () => {},
    reportUsage: (reported) => usage.push(reported),
  };
  const invocation: Invocation = {
    runId: 'run_1',
    step: 'summary',
    attemptId: 'a1',
    idempotencyKey: 'k1',
    input: 'Say it',
    inputs: {},
    scope: null,
    signal: new AbortController().signal,
    files,
    reportPartial: (text) => partials.push(text),
  };
  return { invocation, usage };
}

describe('llm runner with stream: true (against the AI SDK mock model)', () => {
  it('streams: every partial is the whole text so far, and the output and usage are those of the whole answer', async () => {
    const model = streamingModel(['Hel', 'lo, ', 'world.']);
    const partials: string[] = [];
    const { invocation, usage } = invocationOf(partials);
    await expect(llmRunner('writer', config, undefined, () => model).invoke(invocation)).resolves.toBe('Hello, world.');
    expect(model.doStreamCalls).toHaveLength(1);
    expect(model.doGenerateCalls).toHaveLength(0);
    expect(partials).toEqual(['Hel', 'Hello, ', 'Hello, world.']);
    expect(usage).toEqual([{ inputTokens: 40, outputTokens: 8 }]);
  });

  it('streams structured output as its JSON text so far, and the output is the validated object', async () => {
    const model = streamingModel(['{"ok":', 'true}']);
    const partials: string[] = [];
    const { invocation } = invocationOf(partials);
    const structured = { ...config, output_schema: { type: 'object', properties: { ok: { type: 'boolean' } } } };
    await expect(llmRunner('judge', structured, undefined, () => model).invoke(invocation)).resolves.toEqual({
      ok: true,
    });
    expect(partials).toEqual(['{"ok":', '{"ok":true}']);
  });

  it('fails a streamed answer as it fails one that is not streamed: empty, or a provider error', async () => {
    const empty = invocationOf([]).invocation;
    const failure = await llmRunner('writer', config, undefined, () => streamingModel([]))
      .invoke(empty)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CapabilityFailure);
    expect((failure as CapabilityFailure).error).toMatchObject({ type: 'empty_answer', retryable: true });

    const broken = new MockLanguageModelV3({
      doStream: async () => ({
        stream: simulateReadableStream<StreamPart>({
          chunks: [{ type: 'error', error: new Error('connection reset') }],
        }),
      }),
    });
    const thrown = await llmRunner('writer', config, undefined, () => broken)
      .invoke(invocationOf([]).invocation)
      .catch((error: unknown) => error);
    expect((thrown as CapabilityFailure).error).toMatchObject({ type: 'llm', retryable: true });
    expect((thrown as CapabilityFailure).error.message).toContain('connection reset');
  });
});

describe('PartialThrottle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first text at once, then only the newest once per interval, and nothing after close', () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const throttle = new PartialThrottle((text) => sent.push(text), 200);
    throttle.offer('a');
    throttle.offer('ab');
    throttle.offer('abc');
    expect(sent).toEqual(['a']);
    vi.advanceTimersByTime(200);
    expect(sent).toEqual(['a', 'abc']);
    throttle.offer('abcd');
    vi.advanceTimersByTime(100);
    throttle.close();
    vi.advanceTimersByTime(1_000);
    throttle.offer('abcde');
    expect(sent).toEqual(['a', 'abc']);
  });
});
