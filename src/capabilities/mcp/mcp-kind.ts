import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PlanIssue } from '../../core/index.js';
import type { CapabilityKindPlugin } from '../kind.js';
import { lazyRunner, plannedDescriptor } from '../lazy-runner.js';
import type { McpServer } from './mcp-connection.js';

/**
 * One call of a tool on an MCP server, started over stdio or reached over streamable HTTP. In a
 * plan file a stdio server's `cwd` (default `.`) means the plan file's directory, made absolute
 * at pre-flight as a command's is, so `[node, tools/server.mjs]` next to the plan runs from
 * anywhere. When a run is admitted, the server is asked for its tools and a plan naming one it
 * lacks, or a server that cannot be reached, is refused. The MCP client loads at the first call
 * or check (lazy-runner.ts).
 */
export const mcpKind: CapabilityKindPlugin<'mcp'> = {
  name: 'mcp',
  runner: (id, config) =>
    lazyRunner(plannedDescriptor(id, 'mcp', config), async () =>
      (await import('./mcp-capability.js')).mcpRunner(id, config),
    ),
  preflight(config, planDirectory) {
    const { server, issues } = serverInPlanDirectory(config.server, planDirectory);
    return {
      config: { ...config, server },
      issues: issues.map((issue) => ({ ...issue, path: ['server', ...issue.path] })),
    };
  },
  check: async (config, context) => (await import('./mcp-tool-check.js')).checkMcpTool(config, context),
};

/**
 * A server of a plan file with its stdio `cwd` (default `.`) made absolute from the plan file's
 * directory, and an issue (path below the server) when there is no such directory.
 * @example serverInPlanDirectory({ command: ['node', 'server.mjs'] }, '/plans') // { server: { ..., cwd: '/plans' }, issues: [] }
 */
export function serverInPlanDirectory(
  server: McpServer,
  planDirectory: string,
): { server: McpServer; issues: PlanIssue[] } {
  if ('url' in server) return { server, issues: [] };
  const cwd = resolve(planDirectory, server.cwd ?? '.');
  const issues = isDirectory(cwd)
    ? []
    : [{ path: ['cwd'], message: `no directory at ${cwd} (a relative cwd is relative to the plan file's directory)` }];
  return { server: { ...server, cwd }, issues };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
