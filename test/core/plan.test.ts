import { describe, expect, it } from 'vitest';
import type { InputError } from '../../src/core/index.js';
import { buildRegistry, parsePlan, PlanError, resolveInputs, type Plan, type PlanIssue } from '../../src/core/index.js';

const CAPS = `capabilities:
  sh: { kind: command, command: [node, x.js], skills: { build: 1, test: 0.5 } }
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
  const issues = issuesOf(text);
  return issues.map((issue) => `${issue.line}:${issue.column} ${issue.path.join('.')}: ${issue.message}`).join('\n');
}

describe('plan validation', () => {
  it('accepts a plan using every construct', () => {
    const plan = parsePlan(
      `baton: 1
name: all
inputs: { n: { type: integer, default: 2 } }
${CAPS}steps:
  a: { skill: build }
  b: { skill: test, after: [a], when: "steps.a.output.ok == true" }
  c: { capability: sh, after: { any: [a, b] }, for_each: "[1, 2, inputs.n]", concurrency: 2, input: { x: "{{ item + index }}" } }
  d: { skill: build, after: { count: 1, of: [b, c] }, repeat: { until: "steps.d.output >= iteration", max: 3 }, retry: { max: 2, backoff: 1s }, timeout: 2m, on_failure: continue }
`,
      { registry: (p) => buildRegistry(p) },
    );
    expect(Object.keys(plan.steps)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('points an unknown field at its key', () => {
    expect(one(`baton: 1\nname: x\n${CAPS}steps:\n  a:\n    skill: build\n    retries: 3\n`)).toBe(
      '8:5 steps.a.retries: unknown field "retries"',
    );
  });

  it('names an unknown step in after, with a suggestion', () => {
    expect(
      one(`baton: 1\nname: x\n${CAPS}steps:\n  build: { skill: build }\n  test: { skill: test, after: [biuld] }\n`),
    ).toMatch(
      /^7:32 steps.test.after.0: unknown step "biuld" \(did you mean "build"\?\); steps in this plan: build, test$/,
    );
  });

  it('names the cycle', () => {
    expect(
      one(
        `baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, after: [c] }\n  b: { skill: build, after: [a] }\n  c: { skill: build, after: [b] }\n`,
      ),
    ).toMatch(/steps.a.after: dependency cycle: a -> c -> b -> a|dependency cycle: a -> b -> c -> a/);
  });

  it('refuses a skill no capability offers and an unknown pinned capability', () => {
    const text = one(`baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: deploy }\n  b: { capability: shh }\n`);
    expect(text).toContain('steps.a.skill: no capability offers skill "deploy"; skills offered: build, test');
    expect(text).toContain('steps.b.capability: unknown capability "shh" (did you mean "sh"?)');
  });

  it('refuses an expression that does not compile or reads an unknown variable', () => {
    expect(one(`baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, when: "1 +" }\n`)).toMatch(
      /steps.a.when: expression `1 \+` does not compile/,
    );
    expect(one(`baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, when: "item > 1" }\n`)).toMatch(
      /Unknown variable: item \(in scope here: inputs, steps, context\)/,
    );
  });

  it('refuses a condition that cannot be true or false, and a for_each that cannot be a list', () => {
    const text = one(
      `baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, when: "1 + 1" }\n  b: { skill: build, for_each: "'abc'" }\n`,
    );
    expect(text).toContain('steps.a.when: expression `1 + 1` gives int; it must give true or false');
    expect(text).toContain("steps.b.for_each: expression `'abc'` gives string; it must give a list");
  });

  it('explains a step id that is not a name, and a default of the wrong type', () => {
    expect(one(`baton: 1\nname: x\n${CAPS}steps:\n  bad-id: { skill: build }\n`)).toMatch(
      /steps.bad-id: "bad-id" is not a valid name: a step id is a letter or _/,
    );
    expect(
      one(`baton: 1\nname: x\ninputs: { n: { type: integer, default: "x" } }\n${CAPS}steps:\n  a: { skill: build }\n`),
    ).toContain('inputs.n.default: default "x" is not an integer');
  });

  it('refuses a template that reads an unknown step or a step it does not run after', () => {
    expect(
      one(
        `baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build }\n  b: { skill: build, input: "{{ steps.z.output }}" }\n`,
      ),
    ).toMatch(/reads unknown step "z"/);
    expect(
      one(
        `baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build }\n  b: { skill: build, input: "{{ steps.a.output }}" }\n`,
      ),
    ).toMatch(/reads steps.a, but "b" does not run after "a"; add it to `after`/);
  });

  it('checks field shapes: durations, exactly one of skill or capability, for_each with repeat', () => {
    const text = one(
      `baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, timeout: 5 minutes }\n  b: { skill: build, capability: sh }\n  c: { skill: build, for_each: "[1]", repeat: { until: "true", max: 2 } }\n`,
    );
    expect(text).toContain('steps.a.timeout: a duration is a number and a unit');
    expect(text).toContain('steps.b.capability: a step needs exactly one of `skill`');
    expect(text).toContain('steps.c.repeat: a step cannot have both `for_each` and `repeat`');
  });

  it('refuses a timeout or a deadline of zero, with its path, and keeps a zero backoff', () => {
    const caps = `capabilities:\n  sh: { kind: command, command: [node, x.js], skills: { build: 1 }, timeout: 0s }\n`;
    const text = one(
      `baton: 1\nname: x\nconstraints: { deadline: 0m }\n${caps}steps:\n  a: { skill: build, timeout: 0ms, retry: { max: 1, backoff: 0ms } }\n  b: { skill: build, timeout: 0.0001s }\n`,
    );
    expect(text.split('\n')).toEqual([
      '5:78 capabilities.sh.timeout: must be longer than 0 (e.g. 500ms, 30s, 5m); leave it out for no limit',
      '3:26 constraints.deadline: must be longer than 0 (e.g. 500ms, 30s, 5m); leave it out for no limit',
      '7:31 steps.a.timeout: must be longer than 0 (e.g. 500ms, 30s, 5m); leave it out for no limit',
      '8:31 steps.b.timeout: must be longer than 0 (e.g. 500ms, 30s, 5m); leave it out for no limit',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(one('baton: 1\nname: x\nsteps:\n  a: { skill: build\n')).toMatch(/^5:1 : not valid YAML or JSON/);
  });
});

describe('inputs', () => {
  const plan = {
    baton: 1,
    name: 'x',
    inputs: {
      n: { type: 'integer', default: 1 },
      ratio: { type: 'number' },
      tags: { type: 'list', default: [] },
      on: { type: 'boolean', default: false },
    },
    steps: {},
  } as unknown as Plan;

  it('reads text by the declared type and fills defaults', () => {
    expect(resolveInputs(plan, { ratio: '0.5', tags: '["a"]', on: 'true' }, { fromText: true })).toEqual({
      n: 1,
      ratio: 0.5,
      tags: ['a'],
      on: true,
    });
  });

  it('lists every problem at once', () => {
    try {
      resolveInputs(plan, { n: '1.5', extra: 'x' }, { fromText: true });
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as InputError).issues.map((issue) => issue.message)).toEqual([
        'the plan declares no input "extra"; declared: n, ratio, tags, on',
        'input "n" must be an integer, got "1.5"',
        'input "ratio" (number) is required: pass --input ratio=VALUE',
      ]);
    }
  });
});
