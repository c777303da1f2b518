import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect } from 'vitest';
import { BIN, ROOT } from './cli.js';

/** A connected client and what its server wrote on stderr (its log) and any transport error (stdout that was not protocol). */
export interface Connected {
  client: Client;
  stderr: () => string;
  errors: Error[];
}

const open: Client[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

/** Spawns `baton mcp` (the built CLI) and connects the SDK's own client to it over stdio. */
export async function connect(home: string, extra: string[] = []): Promise<Connected> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--home', home, ...extra],
    cwd: ROOT,
    env: { ...env, NO_COLOR: '1' },
    stderr: 'pipe',
  });
  let log = '';
  transport.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const client = new Client({ name: 'baton-e2e', version: '1.0.0' });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  open.push(client);
  return { client, stderr: () => log, errors };
}

export function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

/** The structured result of a call that must have succeeded. */
export async function ok<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<T> {
  const result = await call(client, name, args);
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent as T;
}

/** The text of a call that must have been refused (a tool error result, not a protocol error). */
export async function refused(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await call(client, name, args);
  expect(result.isError, `expected ${name} to be refused, got: ${textOf(result)}`).toBe(true);
  return textOf(result);
}
