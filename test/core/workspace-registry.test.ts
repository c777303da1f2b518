import { describe, expect, it } from 'vitest';
import type { PlanError } from '../../src/core/index.js';
import {
  declaredPlan,
  parseWorkspaceRegistry,
  recordedRegistry,
  recordRegistry,
  withRegistryCapabilities,
  type Plan,
} from '../../src/core/index.js';

const REGISTRY = parseWorkspaceRegistry(
  'capabilities:\n  build:\n    kind: command\n    command: [make]\n    skills: { build: 1 }\nplans:\n  may_declare: [human]\n',
  'baton.yaml',
);

const PLAN: Plan = {
  baton: 1,
  name: 'p',
  capabilities: { reviewer: { kind: 'human', skills: { review: 1 } } },
  steps: { build: { skill: 'build' }, review: { skill: 'review', after: ['build'] } },
};

describe('workspace registry (core)', () => {
  it('refuses what it cannot read with file:line:col: unknown fields, unknown kinds, limits', () => {
    const issues = (text: string) => {
      try {
        parseWorkspaceRegistry(text, 'baton.yaml');
      } catch (error) {
        return (error as PlanError).issues.map(({ line, column, message }) => ({ line, column, message }));
      }
      throw new Error('accepted');
    };
    expect(issues('capabilities: {}\nplan: {}\n')).toEqual([{ line: 2, column: 1, message: 'unknown field "plan"' }]);
    expect(issues('plans:\n  may_declare: [shell]\n')[0]).toMatchObject({ line: 2, column: 17 });
    expect(parseWorkspaceRegistry('', 'baton.yaml')).toEqual({});
  });

  it('refuses a role whose scopes are unknown, naming each and the scopes there are, where it is written', () => {
    const issues = (text: string) => {
      try {
        parseWorkspaceRegistry(text, 'baton.yaml');
      } catch (error) {
        return (error as PlanError).issues.map(({ line, column, message }) => ({ line, column, message }));
      }
      throw new Error('accepted');
    };
    const valid = 'a scope is one of read, operate, perform, approve, admin';
    expect(issues('roles:\n  auditor:\n    scopes: [read, audit, approve, root]\n')).toEqual([
      { line: 3, column: 20, message: `unknown scope "audit"; ${valid}` },
      { line: 3, column: 36, message: `unknown scope "root"; ${valid}` },
    ]);
    expect(
      parseWorkspaceRegistry('roles:\n  auditor: { scopes: [read], members: [dana] }\n', 'baton.yaml').roles,
    ).toEqual({ auditor: { scopes: ['read'], members: ['dana'] } });
  });

  it('reads provider limits and refuses, with where and what would be valid, any it could not enforce', () => {
    const issues = (text: string) => {
      try {
        parseWorkspaceRegistry(text, 'baton.yaml');
      } catch (error) {
        return (error as PlanError).issues.map(({ line, column, message }) => ({ line, column, message }));
      }
      throw new Error('accepted');
    };
    expect(
      parseWorkspaceRegistry(
        'limits:\n  openai: { concurrent: 8, requests_per_minute: 500, tokens_per_minute: 200000 }\n  local: { concurrent: 1 }\n',
        'baton.yaml',
      ).limits,
    ).toEqual({
      openai: { concurrent: 8, requests_per_minute: 500, tokens_per_minute: 200_000 },
      local: { concurrent: 1 },
    });
    expect(issues('limits:\n  openai: { rpm: 1 }\n')).toEqual([
      {
        line: 2,
        column: 18,
        message: 'unknown limit "rpm": a limit key takes concurrent, requests_per_minute, tokens_per_minute',
      },
    ]);
    expect(issues('limits:\n  openai: { concurrent: 0 }\n')[0]).toMatchObject({
      line: 2,
      message: expect.stringContaining('concurrent (calls in flight at once) is a whole number, at least 1'),
    });
    expect(issues('limits:\n  openai: { tokens_per_minute: 1.5 }\n')[0]?.message).toContain(
      'tokens_per_minute is a whole number, at least 1',
    );
    expect(issues('limits:\n  openai: {}\n')[0]).toMatchObject({
      line: 2,
      message: 'give at least one of concurrent, requests_per_minute, tokens_per_minute',
    });
    expect(issues('limits:\n  "open ai": { concurrent: 1 }\n')[0]?.message).toContain('a limit key is letters, digits');
    // A model whose one call reserves more than its key allows in a minute could never run.
    expect(
      issues(
        [
          'capabilities:',
          '  writer:',
          '    kind: llm',
          '    provider: openai',
          '    model: gpt-4o-mini',
          '    skills: { write: 1 }',
          'limits:',
          '  openai: { tokens_per_minute: 10000 }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      {
        line: 3,
        column: 5,
        message:
          'one call reserves 12096 tokens (max_input_tokens + max_output_tokens), over limits.openai.tokens_per_minute (10000): lower the bounds or raise the limit',
      },
    ]);
  });

  it('records the limits with the registry, and gives them back from the record', () => {
    const limited = parseWorkspaceRegistry('limits:\n  openai: { concurrent: 2 }\n', 'baton.yaml');
    const record = recordRegistry('h', limited);
    expect(record).toEqual({ registryHash: 'h', registryCapabilities: [], limits: { openai: { concurrent: 2 } } });
    expect(recordedRegistry({ plan: PLAN, ...record })).toEqual({
      capabilities: {},
      limits: { openai: { concurrent: 2 } },
    });
  });

  it("a recorded plan holds the registry's capabilities; the record gives back the registry and the plan as declared", () => {
    const recorded = withRegistryCapabilities(PLAN, REGISTRY);
    expect(Object.keys(recorded.capabilities ?? {})).toEqual(['build', 'reviewer']);
    const record = recordRegistry('h', REGISTRY);
    expect(record).toEqual({ registryHash: 'h', registryCapabilities: ['build'], mayDeclare: ['human'] });
    expect(recordedRegistry({ plan: recorded, ...record })).toEqual(REGISTRY);
    expect(declaredPlan(recorded, REGISTRY)).toEqual(PLAN);
    expect(recordedRegistry({ plan: PLAN })).toBeUndefined();
    // Without registry capabilities the plan is the same object: its hash cannot change.
    expect(withRegistryCapabilities(PLAN, {})).toBe(PLAN);
  });
});
