import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { BatonError, InputError, tooDeep, tooDeepMessage, traceIdOf } from '../core/index.js';
import { requireScope, ScopeError, type Scope } from './scopes.js';
import type { McpSession } from './session.js';

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  /** The scope a session needs to call it at all (a tool may ask for more, depending on its target). */
  scope: Scope;
  input: I;
  output: O;
  annotations?: ToolAnnotations;
}

/**
 * What a tool may do while it works: `progress` sends an MCP progress notification when the
 * client asked for them (a `progressToken` in the request's `_meta`); otherwise it is absent.
 * `traceparent` is the W3C trace context the client put in the request's `_meta` (the MCP
 * convention for carrying a trace across a call), as given: a tool that uses it checks it.
 */
export interface ToolContext {
  progress?: (message: string) => void;
  traceparent?: string;
}

/** The request's progress token, trace context and the way to notify, as the SDK hands them to a tool handler. */
interface RequestExtra {
  _meta?: { progressToken?: string | number; traceparent?: unknown };
  sendNotification: (notification: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; message: string };
  }) => Promise<void>;
}

/** Progress notifications for one call, numbered as MCP wants them (strictly increasing). */
function toolContext(extra: RequestExtra | undefined): ToolContext {
  const traceparent = extra?._meta?.traceparent;
  const trace = typeof traceparent === 'string' ? { traceparent } : {};
  const progressToken = extra?._meta?.progressToken;
  if (extra === undefined || progressToken === undefined) return trace;
  let progress = 0;
  return {
    ...trace,
    progress: (message) => {
      progress += 1;
      // A client that went away loses its notifications; the tool's work goes on.
      extra
        .sendNotification({ method: 'notifications/progress', params: { progressToken, progress, message } })
        .catch(() => undefined);
    },
  };
}

/** A tool's answer: the structured result, and one line saying what it means. */
export interface ToolAnswer<T> {
  value: T;
  summary: string;
  /** The request was carried out only in part (a handoff that halted): the client sees an error with the partial result. */
  isError?: boolean;
}

/**
 * A refusal as MCP wants it: a tool result with `isError`, saying what is wrong, never a
 * protocol error and never a stack. `code: message`, the codes as the CLI's `--json` has them
 * (`bad_input`, `plan_invalid`, `not_found`, `conflict`, `integrity`, and `forbidden` for a plan
 * that needs admin), plus `forbidden` for a missing scope. Anything else is a bug or the
 * environment: logged with its stack, reported as `internal`.
 */
export function refusal(error: unknown, tool: string, session: McpSession, traceparent?: string): CallToolResult {
  let text: string;
  if (error instanceof ScopeError) text = `${error.code}: ${error.message}`;
  else if (error instanceof BatonError) text = `${error.code}: ${error.message}`;
  else {
    const message = error instanceof Error ? error.message : String(error);
    const traceId = traceIdOf(traceparent);
    session.log?.(
      `baton mcp: internal error in ${tool}${traceId === undefined ? '' : ` (trace ${traceId})`}: ${error instanceof Error ? (error.stack ?? message) : message}`,
    );
    text = `internal: ${message} (a bug or an environment problem, not a mistake in the request; the server's log has the details)`;
  }
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * Registers a tool with its input and output schemas. The scope is checked before anything
 * else, and the answer is returned both as `structuredContent` (checked against the output
 * schema) and as text for clients that read only text.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  session: McpSession,
  spec: ToolSpec<I, O>,
  run: (args: z.output<I>, context: ToolContext) => Promise<ToolAnswer<z.output<O>>>,
): void {
  const handler = async (input: unknown, extra?: RequestExtra): Promise<CallToolResult> => {
    const context = toolContext(extra);
    try {
      requireScope(session.scopes, spec.scope, `the tool ${spec.name}`);
      const deep = tooDeep(input);
      if (deep !== undefined) throw new InputError([{ path: deep, message: tooDeepMessage() }]);
      const answer = await run(input as z.output<I>, context);
      const value = answer.value as Record<string, unknown>;
      return {
        content: [{ type: 'text', text: `${answer.summary}\n\n${JSON.stringify(value, null, 2)}` }],
        structuredContent: value,
        ...(answer.isError && { isError: true }),
      };
    } catch (error) {
      return refusal(error, spec.name, session, context.traceparent);
    }
  };
  const config = {
    title: spec.title,
    description: spec.description,
    inputSchema: spec.input,
    outputSchema: spec.output,
    ...(spec.annotations && { annotations: spec.annotations }),
  };
  // The SDK's generic signature cannot follow a schema type passed through a generic; the handler is typed above.
  (
    server.registerTool as (
      name: string,
      config: unknown,
      cb: (input: unknown, extra?: RequestExtra) => Promise<CallToolResult>,
    ) => unknown
  ).call(server, spec.name, config, handler);
}
