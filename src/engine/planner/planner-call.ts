import {
  PLANNER_SYSTEM,
  plannerAnswerSchema,
  type Json,
  type LlmCapability,
  type TokenUsage,
} from '../../core/index.js';
import { CapabilityFailure, type Invocation, type ProviderLimitGate } from '../../capabilities/index.js';
import type { ModelFactory } from '../../capabilities/llm/llm-model.js';

/** What one planning call came back with: the answer, or the failure; and what it used and cost. */
export interface PlannerCallResult {
  answer?: Json;
  failure?: { type: string; message: string; answer?: string };
  usage: TokenUsage;
  costUsd: number;
  /** Time spent in the model call (the provider's share of a planning). */
  ms: number;
}

/** The planner's config for a call: its answer held to the planner schema, its system text first, the prompt Baton's. */
export function plannerConfig(config: LlmCapability): LlmCapability {
  const { prompt: _ownPrompt, stream: _stream, ...rest } = config;
  return {
    ...rest,
    system: config.system === undefined ? PLANNER_SYSTEM : `${PLANNER_SYSTEM}\n\n${config.system}`,
    output_schema: plannerAnswerSchema() as Record<string, Json>,
  };
}

/**
 * One call of the planner capability through the `llm` kind's own runner (the AI SDK, the
 * structured output check, the token bounds and the price), outside any run: the usage and
 * cost it reports are collected here for the planning record.
 */
export async function callPlanner(
  id: string,
  config: LlmCapability,
  prompt: string,
  options: { signal?: AbortSignal; makeModel?: ModelFactory; clock?: () => number; limits?: ProviderLimitGate } = {},
): Promise<PlannerCallResult> {
  // Loaded at the first planning, as the llm kind loads it at a step's first attempt: the AI SDK
  // is most of what a `baton` process would otherwise load at start (see lazy-runner.ts).
  const { llmRunner } = await import('../../capabilities/llm/llm-capability.js');
  const runner = llmRunner(id, plannerConfig(config), undefined, options.makeModel);
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  let costUsd = 0;
  const refuse = (what: string) => (): never => {
    throw new Error(`a planning call has no ${what}`);
  };
  const invocation: Invocation = {
    runId: 'planning',
    step: 'plan',
    attemptId: 'planning',
    idempotencyKey: 'planning',
    input: prompt,
    inputs: {},
    scope: null,
    signal: options.signal ?? new AbortController().signal,
    ...(options.limits !== undefined && { limits: options.limits }),
    files: {
      artifactsDir: refuse('artifact directory'),
      costFile: refuse('cost file'),
      reportCost: (usd) => (costUsd += usd),
      reportUsage: (tokens) => {
        usage.inputTokens += tokens.inputTokens;
        usage.outputTokens += tokens.outputTokens;
      },
      reportToolCall: refuse('tools'),
    },
  };
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  try {
    const answer = await runner.invoke(invocation);
    return { answer, usage, costUsd, ms: clock() - started };
  } catch (error) {
    const ms = clock() - started;
    if (!(error instanceof CapabilityFailure)) throw error;
    const detail = error.error.detail as { answer?: string } | undefined;
    return {
      failure: {
        type: error.error.type,
        message: error.error.message,
        ...(typeof detail?.answer === 'string' && { answer: detail.answer }),
      },
      usage,
      costUsd,
      ms,
    };
  }
}
