import type { AgentCapability, PlanIssue } from '../../core/index.js';
import type { CapabilityKindPlugin } from '../kind.js';
import { serverInPlanDirectory } from '../mcp/mcp-kind.js';
import { lazyRunner, plannedDescriptor } from '../lazy-runner.js';

/**
 * A model in a tool loop over MCP servers: any worker can run it from the plan, like `llm`. Its
 * stdio servers' `cwd` means the plan file's directory, as an `mcp` capability's does; when a
 * run is admitted, each server is asked whether it offers the tools the allow-list names.
 */
export const agentKind: CapabilityKindPlugin<'agent'> = {
  name: 'agent',
  // The AI SDK and the MCP client load at the first call or check (lazy-runner.ts).
  runner: (id, config, plan) =>
    lazyRunner(plannedDescriptor(id, 'agent', config), async () =>
      (await import('./agent-capability.js')).agentRunner(id, config, plan.inputs),
    ),
  preflight(config, planDirectory) {
    const servers: AgentCapability['servers'] = {};
    const issues: PlanIssue[] = [];
    for (const [name, declared] of Object.entries(config.servers)) {
      const resolved = serverInPlanDirectory(declared, planDirectory);
      servers[name] = resolved.server;
      issues.push(...resolved.issues.map((issue) => ({ ...issue, path: ['servers', name, ...issue.path] })));
    }
    return { config: { ...config, servers }, issues };
  },
  async check(config, context) {
    // One check per allowed tool, as an `mcp` capability of it would be checked: the same words
    // for the same problem, at the path of the agent's own config.
    const checks = config.tools.map(async (entry, index): Promise<PlanIssue[]> => {
      const [serverName = '', ...rest] = entry.split('/');
      const server = config.servers[serverName];
      if (server === undefined) return []; // the plan schema already reported it
      const issues = await (
        await import('../mcp/mcp-tool-check.js')
      ).checkMcpTool({ kind: 'mcp', skills: {}, server, tool: rest.join('/') }, context);
      return issues.map((issue) => ({
        ...issue,
        path: issue.path[0] === 'tool' ? ['tools', index] : ['servers', serverName],
      }));
    });
    return (await Promise.all(checks)).flat();
  },
};
