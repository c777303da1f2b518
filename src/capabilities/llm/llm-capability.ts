import { generateText, jsonSchema, Output, type LanguageModelUsage, type Schema } from 'ai';
import { zodPackage } from '../../core/deferred-packages.js';
import type { Json, JsonObject, LlmCapability, Plan } from '../../core/index.js';
import {
  argumentOutsideScope,
  limitKeyOf,
  llmCost,
  llmTokenBounds,
  numberInputs,
  renderArgument,
  type TokenUsage,
} from '../../core/index.js';
import { CapabilityFailure, type CapabilityRunner, type Invocation } from '../types.js';
import { llmFailure } from './llm-failure.js';
import { streamAnswer } from './llm-stream.js';
import { apiKeyOf, llmEndpoint, providerModel, type ModelFactory } from './llm-model.js';
import { plannedDescriptor } from '../lazy-runner.js';

/**
 * Characters per token when estimating a prompt before the call. English runs near four; three
 * over-counts it, so a prompt that passes the `max_input_tokens` check stays within the reserve.
 */
const CHARACTERS_PER_TOKEN = 3;

/** The step input as the default prompt: itself when it is text, else its JSON. */
function defaultPrompt(input: Json): string {
  return typeof input === 'string' ? input : JSON.stringify(input);
}

function estimatedTokens(text: string): number {
  return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}

/** The AI SDK's usage as Baton records it; undefined when the provider reported none. */
function tokenUsage(usage: LanguageModelUsage | undefined): TokenUsage | undefined {
  if (usage?.inputTokens === undefined && usage?.outputTokens === undefined) return undefined;
  const cached = usage.inputTokenDetails.cacheReadTokens ?? 0;
  return {
    inputTokens: usage.inputTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    ...(cached > 0 && { cachedInputTokens: cached }),
  };
}

/**
 * Runs an `llm` capability: renders the prompt (`prompt` over `input` and `inputs`, else the
 * input), refuses one estimated over `max_input_tokens` and an endpoint outside the step's
 * scope before any call, then makes one call through the AI SDK with the attempt's
 * AbortSignal and no retries of its own (the step's `retry` owns them). The answer is the
 * step's output: text, or with `output_schema` the validated object. With `stream: true` the
 * answer is streamed and its text so far goes to `invocation.reportPartial` as it grows. The
 * tokens the provider reports, and their cost at `price`, settle the attempt, also when it
 * fails after the call.
 */
export function llmRunner(
  id: string,
  config: LlmCapability,
  declaredInputs?: Plan['inputs'],
  makeModel: ModelFactory = providerModel,
): CapabilityRunner {
  const descriptor = plannedDescriptor(id, 'llm', config);
  const doubleInputs = numberInputs(declaredInputs);
  return { descriptor, invoke: (invocation) => callModel(config, invocation, doubleInputs, makeModel) };
}

function renderPrompt(config: LlmCapability, invocation: Invocation, doubleInputs: ReadonlySet<string>): string {
  if (config.prompt === undefined) return defaultPrompt(invocation.input);
  try {
    return renderArgument(config.prompt, { input: invocation.input, inputs: invocation.inputs, doubleInputs });
  } catch (error) {
    throw new CapabilityFailure({
      type: 'expression',
      message: `prompt: ${(error as Error).message}`,
      retryable: false,
    });
  }
}

/**
 * `output_schema` as the AI SDK takes it: sent to the provider as written, and checked here
 * (the SDK checks nothing itself). The plan schema has already refused one zod cannot read.
 */
function answerSchema(outputSchema: Record<string, Json>): Schema<Json> {
  const { z } = zodPackage();
  const check = z.fromJSONSchema(outputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  return jsonSchema<Json>(outputSchema as JsonObject, {
    validate: (value) => {
      const parsed = check.safeParse(value);
      return parsed.success
        ? { success: true, value: parsed.data as Json }
        : { success: false, error: new Error(z.prettifyError(parsed.error).replace(/\n\s*/g, ' ')) };
    },
  });
}

/** Fails the attempt before any call when the model's endpoint is outside the step's scope. */
function checkScope(config: LlmCapability, scope: readonly string[] | null): void {
  if (scope === null) return;
  const outside = argumentOutsideScope(['llm', llmEndpoint(config)], scope, process.cwd());
  if (outside !== null)
    throw new CapabilityFailure({
      type: 'scope',
      message: `the model's endpoint is outside the step's scope: ${outside.message}`,
      retryable: false,
      detail: { endpoint: outside.value, scope: [...scope] },
    });
}

async function callModel(
  config: LlmCapability,
  invocation: Invocation,
  doubleInputs: ReadonlySet<string>,
  makeModel: ModelFactory,
): Promise<Json> {
  const name = `${config.provider} ${config.model}`;
  const { maxInputTokens, maxOutputTokens } = llmTokenBounds(config);
  const prompt = renderPrompt(config, invocation, doubleInputs);
  const schemaText = config.output_schema === undefined ? '' : JSON.stringify(config.output_schema);
  const estimate = estimatedTokens((config.system ?? '') + prompt + schemaText);
  if (estimate > maxInputTokens)
    throw new CapabilityFailure({
      type: 'prompt_too_long',
      message: `${name}: the prompt is about ${estimate} tokens, over max_input_tokens (${maxInputTokens}); raise it or send less`,
      retryable: false,
    });
  checkScope(config, invocation.scope);
  let usedTokens: number | undefined;
  const settle = (usage: LanguageModelUsage | undefined): void => {
    const tokens = tokenUsage(usage);
    if (tokens === undefined) return; // nothing reported: the ledger charges the reserved worst case
    usedTokens = tokens.inputTokens + tokens.outputTokens;
    invocation.files.reportUsage(tokens);
    const cost = llmCost(config, tokens);
    if (cost !== undefined) invocation.files.reportCost(cost);
  };
  const request = {
    model: makeModel(config, apiKeyOf(config)),
    ...(config.system !== undefined && { system: config.system }),
    prompt,
    ...(config.temperature !== undefined && { temperature: config.temperature }),
    maxOutputTokens: maxOutputTokens,
    maxRetries: 0,
    abortSignal: invocation.signal,
  };
  let release: ((usedTokens: number | undefined) => Promise<void>) | undefined;
  try {
    // Room under the provider limits last, once nothing else can refuse the call: the reserve is
    // the call's bounds, and the release corrects it to what the provider reports.
    release = await invocation.limits?.admit(limitKeyOf(config) as string, maxInputTokens + maxOutputTokens);
    const output =
      config.output_schema === undefined ? undefined : Output.object({ schema: answerSchema(config.output_schema) });
    const result =
      config.stream === true
        ? await streamAnswer({ ...request, ...(output && { output }) }, invocation.reportPartial)
        : await generateText({ ...request, ...(output && { output }) });
    settle(result.totalUsage);
    if (output !== undefined) return result.output as Json;
    if (result.finishReason === 'content-filter')
      throw new CapabilityFailure({
        type: 'refusal',
        message: `${name}: the provider's content filter stopped the answer`,
        retryable: false,
      });
    if (result.text.trim() === '')
      throw new CapabilityFailure({
        type: 'empty_answer',
        message: `${name}: the model gave an empty answer (finish reason: ${result.finishReason})`,
        retryable: true,
      });
    return result.text;
  } catch (error) {
    if (!(error instanceof CapabilityFailure) && error instanceof Error && 'usage' in error)
      settle((error as { usage?: LanguageModelUsage }).usage);
    throw llmFailure(error, name, invocation.signal);
  } finally {
    await release?.(usedTokens);
  }
}
