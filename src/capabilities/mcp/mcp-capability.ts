import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Json, McpCapability } from '../../core/index.js';
import { AbortReason, CapabilityFailure, type CapabilityRunner, type Invocation } from '../types.js';
import {
  connectMcpServer,
  describeMcpServer,
  serverOutsideScope,
  UNBOUNDED_REQUEST_MS,
  type McpConnection,
} from './mcp-connection.js';
import { toolErrorText, toolOutput } from './mcp-tool-result.js';
import { plannedDescriptor } from '../lazy-runner.js';

/** The end of a stdio server's stderr kept for a failure's detail, like a command's. */
const STDERR_TAIL_CHARS = 4 * 1024;

/**
 * Runs an `mcp` capability: one call of its tool with the step's input as the arguments, on a
 * connection made for the attempt (a stdio server is started for it and stopped after). The
 * output is the tool's structured content, else its text. A tool that reports an error fails
 * the attempt (type `tool_error`, not retried: the same arguments get the same answer); a
 * server that refuses the call itself (arguments its schema rejects) fails it too (type
 * `protocol`); one that cannot be reached or drops the connection fails it retryably (type
 * `connection`).
 * Every failure's detail names the server and the tool, never a variable's or header's value.
 */
export function mcpRunner(id: string, capability: McpCapability): CapabilityRunner {
  const descriptor = plannedDescriptor(id, 'mcp', capability);
  return { descriptor, invoke: (invocation) => callTool(capability, invocation) };
}

async function callTool({ server, tool }: McpCapability, invocation: Invocation): Promise<Json> {
  const call = { server: describeMcpServer(server), tool };
  const fail = (type: string, message: string, retryable: boolean, more: Record<string, Json> = {}): never => {
    throw new CapabilityFailure({ type, message, retryable, detail: { ...call, ...more } });
  };
  const input = invocation.input ?? {};
  if (typeof input !== 'object' || Array.isArray(input))
    fail('input', `the input of MCP tool "${tool}" is its arguments, an object; got ${JSON.stringify(input)}`, false);
  // Not retryable: the same plan names the same server again.
  const outside = serverOutsideScope(server, invocation.scope);
  if (outside !== null) fail('scope', outside, false, { scope: [...(invocation.scope ?? [])] });

  let stderr = '';
  const keepStderr = (text: string): void => {
    stderr = (stderr + text).slice(-STDERR_TAIL_CHARS);
  };
  let connection: McpConnection | undefined;
  try {
    connection = await connectMcpServer(server, { signal: invocation.signal, stderr: keepStderr });
    const result = await connection.client.callTool(
      { name: tool, arguments: input as Record<string, unknown> },
      undefined,
      {
        signal: invocation.signal,
        timeout: UNBOUNDED_REQUEST_MS,
      },
    );
    if (result.isError === true) fail('tool_error', `${tool}: ${toolErrorText(result)}`, false);
    return toolOutput(result);
  } catch (error) {
    if (error instanceof CapabilityFailure) throw error;
    if (invocation.signal.aborted) {
      const reason = invocation.signal.reason as AbortReason;
      fail(
        reason === AbortReason.timeout ? 'timeout' : 'cancelled',
        abortMessage(reason),
        reason === AbortReason.timeout,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    // The server answered, and refused the call (unknown tool, arguments its schema rejects):
    // the same call gets the same answer. A dropped connection or a lost answer may not recur.
    if (
      error instanceof McpError &&
      error.code !== ErrorCode.ConnectionClosed &&
      error.code !== ErrorCode.RequestTimeout
    )
      fail('protocol', `MCP server ${call.server}, tool ${tool}: ${message}`, false, { code: error.code });
    return fail('connection', `MCP server ${call.server}, tool ${tool}: ${message}`, true, { stderr });
  } finally {
    // Stops a stdio server (and waits for it), so nothing of the attempt outlives it.
    await connection?.close();
  }
}

function abortMessage(reason: AbortReason): string {
  return reason === AbortReason.timeout
    ? 'timed out'
    : reason === AbortReason.shutdown
      ? 'stopped because the engine shut down'
      : 'cancelled';
}
