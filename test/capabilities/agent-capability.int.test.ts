import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argumentsHash } from '../../src/capabilities/agent/agent-tool-calls.js';
import { agentRunner } from '../../src/capabilities/agent/agent-capability.js';
import { AbortReason, CapabilityFailure, type AttemptFiles, type Invocation } from '../../src/capabilities/index.js';
import type { AgentCapability, Json, TokenUsage, ToolCallRecord } from '../../src/core/index.js';
import { AttemptLimitGate, KeyTurns, LeaseReleases } from '../../src/engine/provider-gate.js';
import { SqliteStore } from '../../src/store/index.js';

const BIN = join(import.meta.dirname, '../../node_modules/.bin');
type GenerateResult = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>;
type CallOptions = Parameters<MockLanguageModelV3['doGenerate']>[0];

function usage(inputTokens: number, outputTokens: number): GenerateResult['usage'] {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
  };
}

/** A model step that calls tools (by the names the model is offered). */
function callTools(calls: { name: string; args: Record<string, Json> }[], tokens = usage(100, 20)): GenerateResult {
  return {
    content: calls.map((call, i) => ({
      type: 'tool-call' as const,
      toolCallId: `call-${call.name}-${i}`,
      toolName: call.name,
      input: JSON.stringify(call.args),
    })),
    finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
    usage: tokens,
    warnings: [],
  };
}

function answer(text: string, tokens = usage(100, 20)): GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: tokens,
    warnings: [],
  };
}

/** A model that plays `script` one step at a time, and keeps what each step was sent. */
function scripted(script: ((options: CallOptions) => GenerateResult | Promise<GenerateResult>)[]): MockLanguageModelV3 {
  let step = 0;
  return new MockLanguageModelV3({
    doGenerate: async (options) => {
      const next = script[step++];
      if (next === undefined) throw new Error('the script has no more steps');
      return next(options);
    },
  });
}

/** The text of the tool results the model was sent in a step's prompt. */
function toolResultsIn(options: CallOptions | undefined): string {
  const results = (options?.prompt ?? []).filter((message) => message.role === 'tool');
  return JSON.stringify(results);
}

function invocationOf(input: Json, scope: readonly string[] | null = null, signal = new AbortController().signal) {
  const reported = { costs: [] as number[], usage: [] as TokenUsage[], toolCalls: [] as ToolCallRecord[] };
  const files: AttemptFiles = {
    artifactsDir: () => '/nonexistent',
    costFile: () => '/nonexistent/cost',
    reportCost: (usd) => reported.costs.push(usd),
    reportUsage: (tokens) => reported.usage.push(tokens),
    reportToolCall: (call) => reported.toolCalls.push(call),
  };
  const invocation: Invocation = {
    runId: 'run_1',
    step: 'research',
    attemptId: 'a1',
    idempotencyKey: 'k1',
    input,
    inputs: {},
    scope,
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

let dir: string;
let notes: string;
beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-agent-')));
  notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'the launch code is tangerine\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function filesAgent(more: Partial<AgentCapability> = {}): AgentCapability {
  return {
    kind: 'agent',
    skills: { research: 1 },
    provider: 'openai',
    model: 'gpt-test',
    mission: 'Find the launch code in {{ input.file }}',
    success_criteria: 'the answer names the code',
    servers: { files: { command: [join(BIN, 'mcp-server-filesystem'), dir] } },
    tools: ['files/read_text_file'],
    ...more,
  };
}

describe('agent runner (AI SDK mock model, reference MCP servers over stdio)', () => {
  it('calls an allowed tool, answers from its result, and reports the call with its argument hash', async () => {
    const model = scripted([
      () => callTools([{ name: 'files__read_text_file', args: { path: notes } }], usage(300, 30)),
      (options) => answer(toolResultsIn(options).includes('tangerine') ? 'tangerine' : 'no idea', usage(400, 10)),
    ]);
    const config = filesAgent({ price: { input_per_mtok: 1, output_per_mtok: 10 } });
    const { invocation, reported } = invocationOf({ file: notes });
    await expect(agentRunner('researcher', config, undefined, () => model).invoke(invocation)).resolves.toBe(
      'tangerine',
    );
    const first = model.doGenerateCalls[0];
    expect(first?.tools?.map((offered) => offered.name)).toEqual(['files__read_text_file']);
    expect(JSON.stringify(first?.prompt)).toContain(`Find the launch code in ${notes}`);
    expect(JSON.stringify(first?.prompt)).toContain('The mission is done when: the answer names the code');
    expect(reported.toolCalls).toEqual([
      {
        tool: 'read_text_file',
        server: 'files',
        argumentsHash: argumentsHash({ path: notes }),
        outcome: 'ok',
        durationMs: expect.any(Number) as number,
      },
    ]);
    expect(reported.usage).toEqual([{ inputTokens: 700, outputTokens: 40 }]);
    expect(reported.costs).toEqual([(700 * 1 + 40 * 10) / 1_000_000]);
  });

  it('never sends a call to a tool off the allow-list to the server, and records it as refused', async () => {
    const memoryFile = join(dir, 'memory.jsonl');
    process.env.BATON_TEST_MEMORY_FILE = memoryFile;
    const entity = { name: 'baton', entityType: 'project', observations: ['conducts'] };
    const model = scripted([
      () => callTools([{ name: 'memory__create_entities', args: { entities: [entity] } }]),
      () => callTools([{ name: 'memory__delete_entities', args: { entityNames: ['baton'] } }]),
      () => callTools([{ name: 'memory__read_graph', args: {} }]),
      (options) => answer(toolResultsIn(options).includes('conducts') ? 'still there' : 'gone'),
    ]);
    const config: AgentCapability = {
      ...filesAgent(),
      mission: 'Remember baton',
      servers: {
        memory: { command: [join(BIN, 'mcp-server-memory')], env_from: { MEMORY_FILE_PATH: 'BATON_TEST_MEMORY_FILE' } },
      },
      tools: ['memory/create_entities', 'memory/read_graph'],
    };
    const { invocation, reported } = invocationOf('go');
    await expect(agentRunner('keeper', config, undefined, () => model).invoke(invocation)).resolves.toBe('still there');
    expect(reported.toolCalls.map((call) => [call.server, call.tool, call.outcome])).toEqual([
      ['memory', 'create_entities', 'ok'],
      ['memory', 'delete_entities', 'refused'],
      ['memory', 'read_graph', 'ok'],
    ]);
    expect(reported.toolCalls[1]?.reason).toContain('allow-list');
    expect(reported.toolCalls[1]?.argumentsHash).toBe(argumentsHash({ entityNames: ['baton'] }));
  });

  it("offers only the tools the step's tools list narrows to, and refuses a call to another of the agent's tools", async () => {
    const model = scripted([
      () =>
        callTools([
          { name: 'files__read_text_file', args: { path: notes } },
          { name: 'files__list_directory', args: { path: dir } },
        ]),
      (options) => answer(toolResultsIn(options).includes('tangerine') ? 'read it anyway' : 'listed only'),
    ]);
    const config = filesAgent({ tools: ['files/read_text_file', 'files/list_directory'] });
    const { invocation, reported } = invocationOf({ file: notes });
    const narrowed: Invocation = { ...invocation, tools: ['list_directory'] };
    await expect(agentRunner('researcher', config, undefined, () => model).invoke(narrowed)).resolves.toBe(
      'listed only',
    );
    expect(model.doGenerateCalls[0]?.tools?.map((offered) => offered.name)).toEqual(['files__list_directory']);
    expect(reported.toolCalls.map((call) => [call.tool, call.outcome, call.reason])).toEqual([
      ['read_text_file', 'refused', "not in the step's tools allow-list (list_directory)"],
      ['list_directory', 'ok', undefined],
    ]);
    expect(reported.toolCalls[0]?.argumentsHash).toBe(argumentsHash({ path: notes }));
  });

  it("fails the attempt before any model call when the step's tools name one the agent does not offer", async () => {
    const model = scripted([() => answer('never asked')]);
    const { invocation } = invocationOf({ file: notes });
    const failure = await failureOf(
      agentRunner('researcher', filesAgent(), undefined, () => model).invoke({
        ...invocation,
        tools: ['files/read_text_file', 'files/write_file', 'search'],
      }),
    );
    expect(failure.error).toMatchObject({
      type: 'configuration',
      retryable: false,
      message:
        'the step\'s tools name "files/write_file", "search", which agent "researcher" does not offer (its tools: files/read_text_file)',
    });
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it("refuses a call whose path leaves the step's scope, tells the model, and records it", async () => {
    const model = scripted([
      () => callTools([{ name: 'files__read_text_file', args: { path: '/etc/hostname' } }]),
      (options) => answer(toolResultsIn(options).includes("outside the step's scope") ? 'refused' : 'read it'),
    ]);
    const { invocation, reported } = invocationOf({ file: notes }, [dir, 'api.openai.com']);
    await expect(agentRunner('researcher', filesAgent(), undefined, () => model).invoke(invocation)).resolves.toBe(
      'refused',
    );
    expect(reported.toolCalls).toMatchObject([
      { tool: 'read_text_file', server: 'files', outcome: 'refused', durationMs: 0 },
    ]);
    expect(reported.toolCalls[0]?.reason).toContain('"/etc/hostname" is outside the step\'s scope');
  });

  it('stops the loop when another step could pass the reserved cost, refusing the call that needs it', async () => {
    // A step's worst case is 1,000 tokens in and 100 out, $0.0011; three steps reserve $0.0033.
    // The first step reads 2,500 tokens: with another step the attempt could pass the reserve.
    const model = scripted([
      () => callTools([{ name: 'files__read_text_file', args: { path: notes } }], usage(2_500, 100)),
      () => answer('unreachable'),
    ]);
    const config = filesAgent({
      max_steps: 3,
      max_input_tokens: 1_000,
      max_output_tokens: 100,
      price: { input_per_mtok: 1, output_per_mtok: 1 },
    });
    const { invocation, reported } = invocationOf({ file: notes });
    const failure = await failureOf(agentRunner('researcher', config, undefined, () => model).invoke(invocation));
    expect(failure.error).toMatchObject({ type: 'budget_exhausted', retryable: false });
    expect(model.doGenerateCalls).toHaveLength(1);
    expect(reported.toolCalls).toMatchObject([{ tool: 'read_text_file', outcome: 'refused' }]);
    expect(reported.toolCalls[0]?.reason).toContain('reserved cost');
    expect(reported.usage).toEqual([{ inputTokens: 2_500, outputTokens: 100 }]);
    expect(reported.costs).toEqual([2_600 / 1_000_000]);
  });

  it('fails with max_steps when the model is still calling tools at its last step, whose calls are refused', async () => {
    const read = () => callTools([{ name: 'files__read_text_file', args: { path: notes } }]);
    const model = scripted([read, read]);
    const { invocation, reported } = invocationOf({ file: notes });
    const failure = await failureOf(
      agentRunner('researcher', filesAgent({ max_steps: 2 }), undefined, () => model).invoke(invocation),
    );
    expect(failure.error).toMatchObject({ type: 'max_steps', retryable: false });
    // The last step's call is refused: no step is left to read its result.
    expect(reported.toolCalls.map((call) => call.outcome)).toEqual(['ok', 'refused']);
    expect(reported.toolCalls[1]?.reason).toContain('max_steps: 2');
  });

  it('ends at its timebox: the attempt times out, and the calls it made are still reported', async () => {
    const controller = new AbortController();
    const model = scripted([
      () => callTools([{ name: 'files__read_text_file', args: { path: notes } }]),
      (options) =>
        new Promise<GenerateResult>((_, reject) => {
          options.abortSignal?.addEventListener('abort', () => reject(new Error('aborted')));
          setTimeout(() => controller.abort(AbortReason.timeout), 50);
        }),
    ]);
    const { invocation, reported } = invocationOf({ file: notes }, null, controller.signal);
    const failure = await failureOf(agentRunner('researcher', filesAgent(), undefined, () => model).invoke(invocation));
    expect(failure.error).toMatchObject({ type: 'timeout', retryable: true });
    expect(reported.toolCalls.map((call) => call.outcome)).toEqual(['ok']);
    expect(reported.usage).toEqual([{ inputTokens: 100, outputTokens: 20 }]);
  });

  it('fails before starting anything when a server is outside the scope', async () => {
    const model = scripted([]);
    const { invocation, reported } = invocationOf({ file: notes }, ['/srv/elsewhere', 'api.openai.com']);
    const failure = await failureOf(agentRunner('researcher', filesAgent(), undefined, () => model).invoke(invocation));
    expect(failure.error).toMatchObject({ type: 'scope', retryable: false });
    expect(failure.message).toContain('MCP server files');
    expect(model.doGenerateCalls).toHaveLength(0);
    expect(reported.toolCalls).toEqual([]);
  });
});

describe('agent runner under provider limits', () => {
  it('takes a lease for each model call of its loop and releases it with the tokens that call used', async () => {
    const store = new SqliteStore(join(dir, 'limits.db'));
    try {
      const model = scripted([
        () => callTools([{ name: 'files__read_text_file', args: { path: notes } }], usage(300, 30)),
        () => answer('tangerine', usage(400, 10)),
      ]);
      const { invocation } = invocationOf({ file: notes });
      const gate = new AttemptLimitGate({
        leases: store,
        limits: { research: { concurrent: 1, tokens_per_minute: 100_000 } },
        holder: 'run_1/a1',
        signal: invocation.signal,
        releases: new LeaseReleases(),
        turns: new KeyTurns(),
        now: Date.now,
      });
      const runner = agentRunner('researcher', filesAgent({ limit: 'research' }), undefined, () => model);
      await expect(runner.invoke({ ...invocation, limits: gate })).resolves.toBe('tangerine');
      // Two model calls, one lease each, corrected to 330 and 410 tokens; neither waited (one at a time).
      expect(await store.providerLoads(Date.now(), 60_000)).toEqual({
        research: { inFlight: 0, requests: 2, tokens: 740 },
      });
      expect(gate.holds).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
