import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CapabilityKindPlugin } from '../kind.js';
import { lazyRunner, plannedDescriptor } from '../lazy-runner.js';

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
    if ('url' in config.server) return { config, issues: [] };
    const cwd = resolve(planDirectory, config.server.cwd ?? '.');
    const issues = isDirectory(cwd)
      ? []
      : [
          {
            path: ['server', 'cwd'],
            message: `no directory at ${cwd} (a relative cwd is relative to the plan file's directory)`,
          },
        ];
    return { config: { ...config, server: { ...config.server, cwd } }, issues };
  },
  check: async (config, context) => (await import('./mcp-tool-check.js')).checkMcpTool(config, context),
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
