import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { jsonSchema, tool, type JSONSchema7, type ToolSet } from 'ai';
import type { AgentCapability, Json } from '../../core/index.js';
import {
  connectMcpServer,
  describeMcpServer,
  UNBOUNDED_REQUEST_MS,
  type McpConnection,
  type McpServer,
} from '../mcp/mcp-connection.js';
import { toolErrorText, toolOutput } from '../mcp/mcp-tool-result.js';
import { CapabilityFailure } from '../types.js';
import { argumentsHash, type ToolCallLog, type ToolName } from './agent-tool-calls.js';

/** Why Baton will not send a call (outside the scope, over the budget), or null to send it. */
export type ToolCallGuard = (call: {
  name: ToolName;
  server: McpServer;
  args: Record<string, unknown>;
}) => string | null;

/** The tools an agent's model is offered, and the connections behind them. */
export interface AgentToolbox {
  tools: ToolSet;
  /** The server and tool a name the model used stands for (also one it was not offered). */
  nameOf(modelName: string): ToolName;
  close(): Promise<void>;
}

/**
 * The name the model calls a tool by: `SERVER__TOOL`, in the letters every provider accepts in a
 * function name (OpenAI's `^[a-zA-Z0-9_-]+$`).
 */
function modelNameOf({ server, tool: name }: ToolName): string {
  return `${server}__${name}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Every tool the server offers, with its description and input schema, following its pages. */
async function listTools(client: Client, signal: AbortSignal): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, {
      signal,
      timeout: UNBOUNDED_REQUEST_MS,
    });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

/**
 * Connects to the servers the allow-list names (and only those) and makes the AI SDK tools of
 * the allowed tools: every other tool of a server is never shown to the model, so a call to it
 * never reaches the server. Each call goes through `guard` first, then through the MCP client
 * with the attempt's signal; its record goes to `log`. Throws a CapabilityFailure when a server
 * cannot be reached or lacks an allowed tool (a config that cannot work); the caller closes it.
 * @example
 * const toolbox = await openToolbox(config, guard, log, signal);
 * try { await generateText({ model, tools: toolbox.tools, prompt }); } finally { await toolbox.close(); }
 */
export async function openToolbox(
  config: AgentCapability,
  guard: ToolCallGuard,
  log: ToolCallLog,
  signal: AbortSignal,
): Promise<AgentToolbox> {
  const allowed = config.tools.map((entry): ToolName => {
    const [server, ...rest] = entry.split('/');
    return { server: server as string, tool: rest.join('/') };
  });
  const connections: McpConnection[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(connections.map((connection) => connection.close()));
  };
  const tools: ToolSet = {};
  const names = new Map<string, ToolName>();
  try {
    for (const serverName of new Set(allowed.map((entry) => entry.server))) {
      const server = config.servers[serverName] as McpServer;
      const connection = await connectMcpServer(server, { signal }).catch((error: unknown) => {
        if (signal.aborted) throw error;
        throw new CapabilityFailure({
          type: 'connection',
          message: `MCP server ${serverName} (${describeMcpServer(server)}): ${error instanceof Error ? error.message : String(error)}`,
          retryable: true,
          detail: { server: serverName },
        });
      });
      connections.push(connection);
      const offered = await listTools(connection.client, signal);
      for (const name of allowed.filter((entry) => entry.server === serverName)) {
        const definition = offered.find((candidate) => candidate.name === name.tool);
        if (definition === undefined)
          throw new CapabilityFailure({
            type: 'configuration',
            message: `MCP server ${serverName} offers no tool "${name.tool}"`,
            retryable: false,
            detail: { server: serverName, tool: name.tool },
          });
        const modelName = modelNameOf(name);
        names.set(modelName, name);
        tools[modelName] = tool({
          ...(definition.description !== undefined && { description: definition.description }),
          inputSchema: jsonSchema<Record<string, unknown>>(definition.inputSchema as JSONSchema7),
          execute: (args, { toolCallId, abortSignal }) =>
            callTool(
              connection.client,
              { name, server, args },
              { guard, log, toolCallId, signal: abortSignal ?? signal },
            ),
        });
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  const nameOf = (modelName: string): ToolName => {
    const known = names.get(modelName);
    if (known !== undefined) return known;
    const [server = '', ...rest] = modelName.split('__');
    return Object.hasOwn(config.servers, server) ? { server, tool: rest.join('__') } : { server: '', tool: modelName };
  };
  return { tools, nameOf, close };
}

/**
 * One call, as the model sees its result: the tool's output, or what went wrong, or why Baton
 * refused it (the model may try something else). Only an abort ends the loop from here.
 */
async function callTool(
  client: Client,
  call: { name: ToolName; server: McpServer; args: Record<string, unknown> },
  {
    guard,
    log,
    toolCallId,
    signal,
  }: { guard: ToolCallGuard; log: ToolCallLog; toolCallId: string; signal: AbortSignal },
): Promise<Json> {
  const started = Date.now();
  const { name, args } = call;
  const record = { tool: name.tool, server: name.server, argumentsHash: argumentsHash(args) };
  const refusal = guard(call);
  if (refusal !== null) {
    log.settle(toolCallId, { ...record, outcome: 'refused', durationMs: 0, reason: refusal });
    return { refused: refusal };
  }
  try {
    const result = await client.callTool({ name: name.tool, arguments: args }, undefined, {
      signal,
      timeout: UNBOUNDED_REQUEST_MS,
    });
    const durationMs = Date.now() - started;
    if (result.isError === true) {
      const reason = toolErrorText(result);
      log.settle(toolCallId, { ...record, outcome: 'error', durationMs, reason });
      return { error: reason };
    }
    log.settle(toolCallId, { ...record, outcome: 'ok', durationMs });
    return toolOutput(result);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.settle(toolCallId, { ...record, outcome: 'error', durationMs: Date.now() - started, reason });
    if (signal.aborted) throw error;
    return { error: reason };
  }
}
