import { describe, expect, it } from 'vitest';
import {
  buildRegistry,
  formatOutline,
  infrastructureIssues,
  plannerAnswerSchema,
  plannerPrompt,
  planOutline,
  preflight,
  readPlannerAnswer,
  registrySkills,
  skillReadiness,
  summarizeRegistry,
  withRegistryCapabilities,
  type Plan,
  type WorkspaceRegistry,
} from '../../src/core/index.js';

const REGISTRY = {
  capabilities: {
    writer: {
      kind: 'command',
      command: ['node', 'write.mjs', '--token', 'argv-secret'],
      skills: { write: 1 },
      cost_usd: 0.02,
    },
    model: {
      kind: 'llm',
      provider: 'openai',
      model: 'gpt-4o-mini',
      api_key_env: 'MODEL_KEY_VARIABLE',
      system: 'system prompt text',
      price: { input_per_mtok: 1, output_per_mtok: 2 },
      skills: { summarize: 0.8, plan: 1 },
    },
    hook: {
      kind: 'http',
      url: 'https://hooks.example.com/secret-path',
      secret_env: 'HOOK_SECRET_VARIABLE',
      skills: { notify: 1 },
    },
  },
  plans: { may_declare: ['human', 'llm', 'command'] },
} as unknown as WorkspaceRegistry;

describe('the planner registry summary', () => {
  it('keeps ids, kinds, skills, costs and limits, and no command, URL, variable name or prompt', () => {
    const summary = summarizeRegistry(REGISTRY);
    expect(summary.capabilities.map((capability) => [capability.id, capability.kind, capability.skills])).toEqual([
      ['writer', 'command', { write: 1 }],
      ['model', 'llm', { summarize: 0.8, plan: 1 }],
      ['hook', 'http', { notify: 1 }],
    ]);
    expect(summary.capabilities[0]?.worstUsd).toBe(0.02);
    expect(summary.capabilities[1]?.worstUsd).toBeCloseTo(0.016192, 9);
    // A drafted plan never declares a command, even where the registry lets plans do so.
    expect(summary.mayDeclare).toEqual(['human', 'llm']);
    const text = plannerPrompt({ objective: 'o', registry: summary });
    for (const hidden of [
      'argv-secret',
      'write.mjs',
      'MODEL_KEY_VARIABLE',
      'system prompt text',
      'hooks.example.com',
      'HOOK_SECRET_VARIABLE',
    ])
      expect(text).not.toContain(hidden);
  });

  it('lists every skill the registry offers', () => {
    expect([...registrySkills(REGISTRY)].sort()).toEqual(['notify', 'plan', 'summarize', 'write']);
  });
});

describe('the planner prompt', () => {
  it('is the same text for the same input, and a repair adds the issues and the previous plan', () => {
    const input = {
      objective: 'Ship it',
      registry: summarizeRegistry(REGISTRY),
      design: { name: 'd.md', text: 'DESIGN' },
    };
    expect(plannerPrompt(input)).toBe(plannerPrompt(input));
    expect(plannerPrompt(input)).toContain('## Design document (d.md)\nDESIGN');
    const repaired = plannerPrompt(input, {
      attempt: 1,
      issues: ['steps.a.skill: no capability offers skill "x"'],
      previous: { name: 'p' },
    });
    expect(repaired).toContain('## Repair 1: your previous answer was refused');
    expect(repaired).toContain('- steps.a.skill: no capability offers skill "x"');
    expect(repaired).toContain('{"name":"p"}');
  });
});

describe('the planner answer', () => {
  it('nests the plan schema with its definitions at the root', () => {
    const schema = plannerAnswerSchema() as {
      $defs: object;
      properties: { plan: { $defs?: object } };
      required: string[];
    };
    expect(schema.required).toEqual(['plan', 'skills_needed']);
    expect(Object.keys(schema.$defs).length).toBeGreaterThan(0);
    expect(schema.properties.plan.$defs).toBeUndefined();
    expect(JSON.stringify(schema)).toContain('#/$defs/');
  });

  it('reads an object with a plan, and nothing else', () => {
    expect(readPlannerAnswer({ plan: { name: 'p' }, skills_needed: [{ skill: 'a' }, { nope: 1 }] })).toEqual({
      plan: { name: 'p' },
      skills_needed: [{ skill: 'a' }],
    });
    expect(readPlannerAnswer('text')).toBeUndefined();
    expect(readPlannerAnswer({ steps: {} })).toBeUndefined();
  });
});

const build = (id: string, skill: string, after: string[] = []) => ({
  [id]: { phase: 'infrastructure', skill: 'provision', builds: [skill], check: { capability: 'smoke' }, after },
});

describe('readiness and the infrastructure phase', () => {
  it('marks the needed skills the registry has', () => {
    expect(skillReadiness([{ skill: 'write' }, { skill: 'deploy' }, { skill: 'write' }], new Set(['write']))).toEqual({
      needed: ['write', 'deploy'],
      present: ['write'],
      missing: ['deploy'],
    });
  });

  it('asks for a building step with a check for each missing skill', () => {
    const readiness = { needed: ['deploy', 'monitor'], present: [], missing: ['deploy', 'monitor'] };
    const plan = {
      baton: 1,
      name: 'p',
      steps: { build_deploy: { phase: 'infrastructure', skill: 'provision', builds: ['deploy'] } },
    } as unknown as Plan;
    expect(infrastructureIssues(plan, readiness).map((issue) => issue.message)).toEqual([
      'step "build_deploy" builds "deploy" without a check: give it check: { capability: ... } to prove the skill works',
      'skill "monitor" is not in the registry: add a step in phase "infrastructure" with builds: [monitor] and a check that proves it',
    ]);
  });

  it('lets at most three building steps run at once', () => {
    const skills = ['a', 'b', 'c', 'd'];
    const readiness = { needed: skills, present: [], missing: skills };
    const wide = { baton: 1, name: 'p', steps: Object.assign({}, ...skills.map((s) => build(`b_${s}`, s))) } as Plan;
    expect(infrastructureIssues(wide, readiness)).toEqual([
      {
        path: ['steps', 'b_d', 'after'],
        message:
          '4 infrastructure steps would build at once (b_a, b_b, b_c, b_d); at most 3 may: make the others wait with after:',
      },
    ]);
    const waves = {
      baton: 1,
      name: 'p',
      steps: { ...build('b_a', 'a'), ...build('b_b', 'b'), ...build('b_c', 'c'), ...build('b_d', 'd', ['b_a']) },
    } as Plan;
    expect(infrastructureIssues(waves, readiness)).toEqual([]);
  });
});

describe('the plan outline', () => {
  it('shows phases, routes, costs and readiness', () => {
    const registry = { capabilities: { writer: REGISTRY.capabilities?.writer } } as WorkspaceRegistry;
    const plan = {
      baton: 1,
      name: 'notes',
      constraints: { budget_usd: 1 },
      steps: { draft: { skill: 'write' }, ship: { skill: 'deploy', after: ['draft'] } },
    } as Plan;
    const withRegistry = withRegistryCapabilities(plan, registry);
    const outline = planOutline(plan, preflight(withRegistry, buildRegistry(withRegistry)), {
      needed: ['write', 'deploy'],
      present: ['write'],
      missing: ['deploy'],
    });
    expect(outline.phases[0]?.steps.map((step) => [step.step, step.needs, step.route, step.after])).toEqual([
      ['draft', 'write', 'writer', []],
      ['ship', 'deploy', null, ['draft']],
    ]);
    const text = formatOutline(outline);
    expect(text).toContain('plan "notes" (worst case $0.02, budget $1.00)');
    expect(text).toContain('readiness at start: 1/2 skills present (to build: deploy)');
    expect(text).toContain('  draft  skill write -> writer  ($0.02)');
    expect(text).toMatch(/ {2}ship {2}skill deploy unrouted: .+ {2}after draft/);
  });
});
