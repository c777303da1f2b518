import { generateText, stepCountIs, wrapLanguageModel, type LanguageModel } from 'ai';
import { resolve } from 'node:path';
import type { AgentCapability, Json, Plan, TokenUsage } from '../../core/index.js';
import {
  addTokens,
  agentMaxSteps,
  agentModel,
  argumentOutsideScope,
  limitKeyOf,
  llmCost,
  llmTokenBounds,
  narrowTools,
  numberInputs,
  renderArgument,
} from '../../core/index.js';
import { llmFailure } from '../llm/llm-failure.js';
import { apiKeyOf, llmEndpoint, providerModel, type ModelFactory } from '../llm/llm-model.js';
import { serverOutsideScope } from '../mcp/mcp-connection.js';
import { CapabilityFailure, type CapabilityRunner, type Invocation } from '../types.js';
import { ToolCallLog, type ToolName } from './agent-tool-calls.js';
import { openToolbox, type ToolCallGuard } from './agent-tools.js';
import { plannedDescriptor } from '../lazy-runner.js';

/**
 * Runs an `agent` capability: the mission (a template over `input` and `inputs`, else the input)
 * and its success criteria go to the model, which may call the allowed MCP tools for up to
 * `max_steps` model calls, within the attempt's signal (its timebox). Every tool call is reported
 * (`files.reportToolCall`) in the model's order; one whose path or URL arguments leave the step's
 * scope, or whose result the model could not read (at its last step, or within the reserved
 * cost), is refused and the model told why. The answer is the last step's text; the tokens of every step, and their cost at
 * `price`, settle the attempt, also when it fails.
 */
export function agentRunner(
  id: string,
  config: AgentCapability,
  declaredInputs?: Plan['inputs'],
  makeModel: ModelFactory = providerModel,
): CapabilityRunner {
  const descriptor = plannedDescriptor(id, 'agent', config);
  const doubleInputs = numberInputs(declaredInputs);
  return {
    descriptor,
    invoke: (invocation) => runAgent(id, config, invocation, doubleInputs, makeModel),
  };
}

function renderMission(config: AgentCapability, invocation: Invocation, doubleInputs: ReadonlySet<string>): string {
  if (config.mission === undefined)
    return typeof invocation.input === 'string' ? invocation.input : JSON.stringify(invocation.input);
  try {
    return renderArgument(config.mission, { input: invocation.input, inputs: invocation.inputs, doubleInputs });
  } catch (error) {
    throw new CapabilityFailure({
      type: 'expression',
      message: `mission: ${(error as Error).message}`,
      retryable: false,
    });
  }
}

/** What the model is told besides the mission: the capability's system text and the success criteria. */
function systemText(config: AgentCapability): string | undefined {
  const parts = [
    config.system,
    config.success_criteria === undefined ? undefined : `The mission is done when: ${config.success_criteria}`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? undefined : parts.join('\n\n');
}

/**
 * The capability's config with its tools narrowed to the step's `tools:` list (unchanged without
 * one). A listed tool the agent does not offer fails the attempt before anything starts: the step
 * asked for something this agent cannot give (validation catches it when the agent is known then).
 */
function narrowedConfig(id: string, config: AgentCapability, stepTools: readonly string[] | null): AgentCapability {
  if (stepTools === null) return config;
  const { allowed, missing } = narrowTools(config.tools, stepTools);
  if (missing.length > 0)
    throw new CapabilityFailure({
      type: 'configuration',
      message: `the step's tools name ${missing.map((entry) => `"${entry}"`).join(', ')}, which agent "${id}" does not offer (its tools: ${config.tools.join(', ')})`,
      retryable: false,
      detail: { missing: [...missing], offered: [...config.tools] },
    });
  return { ...config, tools: allowed };
}

/** Why a call the model made was not sent: outside the step's `tools:`, or outside the capability's own list. */
function refusalOf(config: AgentCapability, stepTools: readonly string[] | null): (name: ToolName) => string {
  return ({ server, tool }) =>
    stepTools !== null && config.tools.includes(`${server}/${tool}`)
      ? `not in the step's tools allow-list (${stepTools.join(', ')})`
      : 'not a tool this agent may call (its tools allow-list)';
}

/** Fails the attempt before anything starts when the model's endpoint or a server is outside the step's scope. */
function checkScope(config: AgentCapability, scope: readonly string[] | null): void {
  if (scope === null) return;
  const fail = (message: string): never => {
    throw new CapabilityFailure({ type: 'scope', message, retryable: false, detail: { scope: [...scope] } });
  };
  const endpoint = argumentOutsideScope(['llm', llmEndpoint(agentModel(config))], scope, process.cwd());
  if (endpoint !== null) fail(`the model's endpoint is outside the step's scope: ${endpoint.message}`);
  for (const [name, server] of Object.entries(config.servers)) {
    const outside = serverOutsideScope(server, scope);
    if (outside !== null) fail(`MCP server ${name} is outside the step's scope: ${outside}`);
  }
}

/** The string values anywhere in a tool call's arguments: those that name a path or a URL are checked against the scope. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(stringsIn);
}

/** A model of the AI SDK 6 provider interface, which middleware can wrap. */
type LanguageModelV3 = Parameters<typeof wrapLanguageModel>[0]['model'];
type LanguageModelV3Usage = Awaited<ReturnType<LanguageModelV3['doGenerate']>>['usage'];

/** The tokens one model call used, as Baton records them. */
function stepTokens(usage: LanguageModelV3Usage): TokenUsage {
  const cached = usage.inputTokens.cacheRead ?? 0;
  return {
    inputTokens: usage.inputTokens.total ?? 0,
    outputTokens: usage.outputTokens.total ?? 0,
    ...(cached > 0 && { cachedInputTokens: cached }),
  };
}

function asModelV3(model: LanguageModel): LanguageModelV3 {
  if (typeof model === 'string' || model.specificationVersion !== 'v3')
    throw new CapabilityFailure({
      type: 'configuration',
      message: 'an agent needs a model of the AI SDK 6 interface (specification v3)',
      retryable: false,
    });
  return model;
}

async function runAgent(
  id: string,
  declared: AgentCapability,
  invocation: Invocation,
  doubleInputs: ReadonlySet<string>,
  makeModel: ModelFactory,
): Promise<Json> {
  const stepTools = invocation.tools ?? null;
  const config = narrowedConfig(id, declared, stepTools);
  const modelConfig = agentModel(config);
  const limitKey = limitKeyOf(config) as string;
  const name = `${config.provider} ${config.model}`;
  const maxSteps = agentMaxSteps(config);
  const { maxInputTokens, maxOutputTokens } = llmTokenBounds(modelConfig);
  const mission = renderMission(config, invocation, doubleInputs);
  checkScope(config, invocation.scope);

  // Counted as each model call returns, before its tool calls run, so the budget guard sees
  // what has been spent so far, and a failed loop still settles what its steps used.
  let used: TokenUsage | undefined;
  let modelCalls = 0;
  const spent = (): number => (used === undefined ? 0 : (llmCost(modelConfig, used) ?? 0));
  const stepWorstCase = llmCost(modelConfig, { inputTokens: maxInputTokens, outputTokens: maxOutputTokens });
  const reserve = stepWorstCase === undefined ? undefined : stepWorstCase * maxSteps;
  /** True when one more model call (reading a tool's result) could pass the reserved cost. */
  const overBudget = (): boolean =>
    reserve !== undefined && stepWorstCase !== undefined && spent() + stepWorstCase > reserve;

  const guard: ToolCallGuard = ({ server, args }) => {
    if (invocation.scope !== null) {
      const directory = 'url' in server ? process.cwd() : resolve(server.cwd ?? '.');
      const outside = argumentOutsideScope(['tool', ...stringsIn(args)], invocation.scope, directory);
      if (outside !== null)
        return `the argument ${JSON.stringify(outside.value)} is outside the step's scope (${invocation.scope.join(', ')})`;
    }
    // A call the model could never read the result of is a side effect nobody asked for.
    if (modelCalls >= maxSteps) return `no step is left to read its result (max_steps: ${maxSteps})`;
    if (overBudget())
      return `the attempt's reserved cost ($${reserve}) would not cover another model call to read the result ($${spent()} spent)`;
    return null;
  };

  const log = new ToolCallLog((call) => invocation.files.reportToolCall(call));
  const model = wrapLanguageModel({
    model: asModelV3(makeModel(modelConfig, apiKeyOf(modelConfig))),
    middleware: {
      specificationVersion: 'v3',
      // Each model call of the loop takes its own room under the provider limits, and gives it
      // back with what it used before the tools it asked for run.
      wrapGenerate: async ({ doGenerate }) => {
        const release = await invocation.limits?.admit(limitKey, maxInputTokens + maxOutputTokens);
        let tokens: TokenUsage | undefined;
        try {
          const result = await doGenerate();
          tokens = stepTokens(result.usage);
          used = addTokens(used, tokens);
          modelCalls += 1;
          return result;
        } finally {
          await release?.(tokens && tokens.inputTokens + tokens.outputTokens);
        }
      },
    },
  });
  const system = systemText(config);
  try {
    const toolbox = await openToolbox(config, guard, log, invocation.signal);
    try {
      const result = await generateText({
        model,
        ...(system !== undefined && { system }),
        prompt: mission,
        ...(config.temperature !== undefined && { temperature: config.temperature }),
        maxOutputTokens,
        maxRetries: 0,
        abortSignal: invocation.signal,
        tools: toolbox.tools,
        stopWhen: [stepCountIs(maxSteps), overBudget],
        onStepFinish: (step) => log.endStep(step.toolCalls, toolbox.nameOf, refusalOf(declared, stepTools)),
      });
      if (result.finishReason === 'tool-calls')
        throw new CapabilityFailure(
          overBudget()
            ? {
                type: 'budget_exhausted',
                message: `${name}: stopped before answering: another step could pass the attempt's reserved cost ($${reserve})`,
                retryable: false,
              }
            : {
                type: 'max_steps',
                message: `${name}: used its ${maxSteps} steps (max_steps) without answering`,
                retryable: false,
              },
        );
      if (result.text.trim() === '')
        throw new CapabilityFailure({
          type: 'empty_answer',
          message: `${name}: the agent gave an empty answer (finish reason: ${result.finishReason})`,
          retryable: true,
        });
      return result.text;
    } finally {
      log.flush();
      await toolbox.close();
    }
  } catch (error) {
    throw llmFailure(error, name, invocation.signal);
  } finally {
    if (used !== undefined) {
      invocation.files.reportUsage(used);
      const cost = llmCost(modelConfig, used);
      if (cost !== undefined) invocation.files.reportCost(cost);
    }
  }
}
