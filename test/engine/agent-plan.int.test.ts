import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCapabilities, preflightInPlanDirectory } from '../../src/capabilities/index.js';
import { buildRegistry, PlanError, type Plan } from '../../src/core/index.js';
import { checkPlan } from '../../src/core/plan/parse.js';
import { scopeForPlan } from '../../src/engine/index.js';

const MEMORY = fileURLToPath(new URL('../../node_modules/.bin/mcp-server-memory', import.meta.url));

function agentPlan(agent: Record<string, unknown>): unknown {
  return {
    baton: 1,
    name: 'agent-plan',
    capabilities: {
      researcher: {
        kind: 'agent',
        skills: { research: 1 },
        provider: 'openai',
        model: 'gpt-4o-mini',
        servers: { memory: { command: [MEMORY] } },
        tools: ['memory/read_graph'],
        ...agent,
      },
    },
    steps: { research: { skill: 'research' } },
  };
}

function issuesOf(data: unknown): { path: (string | number)[]; message: string }[] {
  try {
    checkPlan(data, (plan) => buildRegistry(plan));
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  return [];
}

describe('an agent capability in a plan', () => {
  it('reserves max_steps model calls at the llm worst case, and needs the admin scope like every machine kind', () => {
    const plan = checkPlan(
      agentPlan({ max_steps: 3, price: { input_per_mtok: 1, output_per_mtok: 2 }, timeout: '2m' }),
      (p) => buildRegistry(p),
    );
    const descriptor = buildRegistry(plan).researcher;
    expect(descriptor?.costUsd).toBeCloseTo(3 * ((8_000 * 1 + 4_096 * 2) / 1_000_000), 12);
    expect(descriptor?.timeoutMs).toBe(120_000);
    expect(scopeForPlan(plan)).toBe('admin');
  });

  it('refuses a tool of a server it does not name, a tool not written SERVER/TOOL, and a mission reading an undeclared input', () => {
    const issues = issuesOf(
      agentPlan({ tools: ['memory/read_graph', 'files/read_text_file', 'read_graph'], mission: '{{ inputs.topic }}' }),
    );
    expect(issues.map((issue) => issue.path.join('.'))).toEqual(
      expect.arrayContaining(['capabilities.researcher.tools.2', 'capabilities.researcher.tools.1']),
    );
    expect(issues.find((issue) => issue.path.join('.') === 'capabilities.researcher.tools.1')?.message).toContain(
      'no server "files"',
    );
    expect(issuesOf(agentPlan({ mission: '{{ inputs.topic }}' })).map((issue) => issue.path.join('.'))).toEqual([
      'capabilities.researcher.mission',
    ]);
  });

  it("checks a step's tools against its agent: a tool the agent lacks is refused, naming those it has", () => {
    const plan = (step: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      ...(agentPlan({ tools: ['memory/read_graph', 'memory/search_nodes'] }) as Record<string, unknown>),
      steps: { research: { skill: 'research', ...step } },
      ...extra,
    });
    expect(issuesOf(plan({ tools: ['read_graph', 'memory/search_nodes'] }))).toEqual([]);
    expect(issuesOf(plan({ tools: ['read_graph', 'memory/create_entities', 'files/read_graph'] }))).toEqual([
      {
        path: ['steps', 'research', 'tools', 1],
        message:
          'agent "researcher" offers no tool "memory/create_entities" (its tools: memory/read_graph, memory/search_nodes); a step\'s tools can only narrow its agent\'s',
      },
      {
        path: ['steps', 'research', 'tools', 2],
        message:
          'agent "researcher" offers no tool "files/read_graph" (its tools: memory/read_graph, memory/search_nodes); a step\'s tools can only narrow its agent\'s',
      },
    ]);
    const onCommand = issuesOf({
      baton: 1,
      name: 'not-an-agent',
      capabilities: { sh: { kind: 'command', command: ['true'], skills: { research: 1 } } },
      steps: { research: { skill: 'research', tools: ['read_graph'] } },
    });
    expect(onCommand).toEqual([
      {
        path: ['steps', 'research', 'tools'],
        message:
          'tools narrows what an agent\'s model may call, and "research" can run on "sh", a command capability; use tools only on steps whose capabilities are all agents',
      },
    ]);
    expect(issuesOf(plan({ tools: ['a b'] }))[0]?.message).toContain('a tool is named TOOL or SERVER/TOOL');
  });

  it("makes a stdio server's cwd the plan file's directory at pre-flight", () => {
    const plan = checkPlan(agentPlan({}), (p) => buildRegistry(p));
    const { config, issues } = preflightInPlanDirectory(plan.capabilities!.researcher!, join(MEMORY, '..'));
    expect(issues).toEqual([]);
    expect(config).toMatchObject({ servers: { memory: { cwd: join(MEMORY, '..') } } });
  });

  it('is refused at admission when a server does not offer an allowed tool', async () => {
    const plan = checkPlan(agentPlan({ tools: ['memory/read_graph', 'memory/forget_everything'] }), (p) =>
      buildRegistry(p),
    ) as Plan;
    const issues = await checkCapabilities(plan);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toEqual(['capabilities', 'researcher', 'tools', 1]);
    expect(issues[0]?.message).toContain('offers no tool "forget_everything"');
  });
});
