import { describe, expect, it } from 'vitest';
import { buildRegistry, checkPlan, parsePlan, PlanError, type PlanIssue } from '../../src/core/index.js';

const CAPS = `capabilities:
  sh: { kind: command, command: [node, x.js], skills: { build: 1 } }
`;

function issuesOf(text: string): PlanIssue[] {
  try {
    parsePlan(text, { file: 'plan.yaml', registry: (plan) => buildRegistry(plan) });
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

function one(text: string): string {
  return issuesOf(text)
    .map((issue) => `${issue.line}:${issue.column} ${issue.path.join('.')}: ${issue.message}`)
    .join('\n');
}

describe('plan bounds', () => {
  it('refuses a name, description or id past its bound, saying the bound, and quotes no more than a line of it', () => {
    expect(one(`baton: 1\nname: ${'n'.repeat(201)}\n${CAPS}steps:\n  a: { skill: build }\n`)).toBe('2:7 name: a plan name is at most 200 characters');
    expect(one(`baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, description: ${'d'.repeat(4_001)} }\n`)).toContain('steps.a.description: a description is at most 4,000 characters');
    const longId = 's'.repeat(20_000);
    const error = (() => {
      try {
        parsePlan(JSON.stringify({ baton: 1, name: 'x', steps: { [longId]: { skill: 'build' } } }), { file: 'plan.yaml', registry: (plan) => buildRegistry(plan) });
      } catch (caught) {
        return caught as PlanError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.message).toContain('a step id is at most 128 characters');
    expect(error.message).toContain('(20,000 characters)');
    expect(error.message.length).toBeLessThan(1_000);
    expect(() => parsePlan(`baton: 1\nname: x\n${CAPS}steps:\n  ${'a'.repeat(128)}: { skill: build }\n`, { registry: (plan) => buildRegistry(plan) })).not.toThrow();
  });
});

describe('reserved names', () => {
  it('refuses __proto__ as a step id, in a file and as data, instead of losing the step', () => {
    expect(one(`baton: 1\nname: x\n${CAPS}steps:\n  __proto__: { skill: build }\n`)).toMatch(/^6:3 steps.__proto__: "__proto__" is a reserved name/);
    const data = JSON.parse('{"baton":1,"name":"x","steps":{"__proto__":{"skill":"build"}}}') as unknown;
    expect(() => checkPlan(data, (plan) => buildRegistry(plan))).toThrow(/steps.__proto__: "__proto__" is a reserved name/);
  });
});
