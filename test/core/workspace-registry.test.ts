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
    expect(issues('limits:\n  openai: { rpm: 1 }\n')[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/^provider limits are not supported yet/),
    });
    expect(parseWorkspaceRegistry('', 'baton.yaml')).toEqual({});
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
