import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { argumentOutsideScope, type McpCapability } from '../../core/index.js';

export type McpServer = McpCapability['server'];

/**
 * The longest request timeout the SDK can arm (a Node timer's maximum). The SDK's default (60 s)
 * would cut a tool call the step allows longer; the attempt's AbortSignal is what bounds it.
 */
export const UNBOUNDED_REQUEST_MS = 2_147_483_647;

/**
 * The server as the ledger and messages may show it: its argv or its URL, never the values of
 * its variables or headers (those are secrets).
 * @example describeMcpServer({ command: ['mcp-server-memory'] }) // 'mcp-server-memory'
 */
export function describeMcpServer(server: McpServer): string {
  return 'url' in server ? server.url : server.command.join(' ');
}

/**
 * Why the server is outside `scope`, or null: a URL server's URL, and the path and URL
 * arguments of a stdio server's argv, checked as a command's arguments are.
 * @example serverOutsideScope({ url: 'https://evil.example/mcp' }, ['api.example.com']) // 'url "https://evil..." is outside ...'
 */
export function serverOutsideScope(server: McpServer, scope: readonly string[] | null): string | null {
  if (scope === null) return null;
  const argv = 'url' in server ? ['mcp', server.url] : server.command;
  return argumentOutsideScope(argv, scope, resolve(('cwd' in server && server.cwd) || '.'))?.message ?? null;
}

/**
 * The variables a server's config hands it, read from Baton's environment. Throws naming a
 * variable that is unset (never a value).
 */
function valuesFrom(mapping: Record<string, string> | undefined, what: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, variable] of Object.entries(mapping ?? {})) {
    const value = process.env[variable];
    if (value === undefined) throw new Error(`${what} ${name} comes from ${variable}, which is not set`);
    values[name] = value;
  }
  return values;
}

function transportFor(server: McpServer, stderr: (text: string) => void): Transport {
  if ('url' in server)
    return new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: valuesFrom(server.headers_env, 'header') },
    });
  const [command, ...args] = server.command as [string, ...string[]];
  // Only the SDK's harmless defaults (PATH, HOME, ...) and what env_from names: a server someone
  // else wrote never sees the rest of Baton's environment, where the other secrets are.
  const transport = new StdioClientTransport({
    command,
    args,
    env: valuesFrom(server.env_from, 'variable'),
    stderr: 'pipe',
    ...(server.cwd !== undefined && { cwd: server.cwd }),
  });
  // Decoded as a stream: a character split between two chunks stays whole, so a secret with one still matches.
  const serverStderr = transport.stderr as Readable | null;
  serverStderr?.setEncoding('utf8');
  serverStderr?.on('data', stderr);
  return transport;
}

/** A client connected to an MCP server, and how to let go of it. */
export interface McpConnection {
  client: Client;
  /** Closes the connection; for a stdio server, resolves once its process has ended. */
  close(): Promise<void>;
}

/**
 * A connection to the server (started, for a stdio one), or a thrown error saying why not; a
 * stdio server started for a connection that failed has ended when the error is thrown. The
 * caller closes it.
 * @example
 * const { client, close } = await connectMcpServer({ command: ['mcp-server-memory'] }, { signal });
 * try { await client.listTools(); } finally { await close(); }
 */
export async function connectMcpServer(
  server: McpServer,
  options: { signal: AbortSignal; stderr?: (text: string) => void },
): Promise<McpConnection> {
  const client = new Client({ name: 'baton', version: '0.1.0' });
  const transport = transportFor(server, options.stderr ?? (() => {}));
  // The SDK closes a connection whose start failed without waiting for the server to end, and
  // forgets its process: the end of the process is awaited here, so none outlives its attempt.
  const ended = new Promise<void>((resolve) => (transport.onclose = resolve));
  const connecting = client.connect(transport, { signal: options.signal, timeout: UNBOUNDED_REQUEST_MS });
  // Read now: the SDK spawns synchronously in connect, and clears the process once it closes.
  const started = transport instanceof StdioClientTransport && transport.pid !== null;
  const close = async (): Promise<void> => {
    await client.close().catch(() => {});
    if (started) await ended;
  };
  try {
    await connecting;
  } catch (error) {
    await close();
    throw error;
  }
  return { client, close };
}
