import { describe, expect, it } from 'vitest';
import {
  buildRegistry,
  checkPlan,
  decodePlanBytes,
  parsePlan,
  PlanError,
  type PlanIssue,
} from '../../src/core/index.js';

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
    expect(one(`baton: 1\nname: ${'n'.repeat(201)}\n${CAPS}steps:\n  a: { skill: build }\n`)).toBe(
      '2:7 name: a plan name is at most 200 characters',
    );
    expect(
      one(`baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, description: ${'d'.repeat(4_001)} }\n`),
    ).toContain('steps.a.description: a description is at most 4,000 characters');
    const longId = 's'.repeat(20_000);
    const error = (() => {
      try {
        parsePlan(JSON.stringify({ baton: 1, name: 'x', steps: { [longId]: { skill: 'build' } } }), {
          file: 'plan.yaml',
          registry: (plan) => buildRegistry(plan),
        });
      } catch (caught) {
        return caught as PlanError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.message).toContain('a step id is at most 128 characters');
    expect(error.message).toContain('(20,000 characters)');
    expect(error.message.length).toBeLessThan(1_000);
    expect(() =>
      parsePlan(`baton: 1\nname: x\n${CAPS}steps:\n  ${'a'.repeat(128)}: { skill: build }\n`, {
        registry: (plan) => buildRegistry(plan),
      }),
    ).not.toThrow();
  });
});

describe('reserved names', () => {
  it('refuses __proto__ as a step id, in a file and as data, instead of losing the step', () => {
    expect(one(`baton: 1\nname: x\n${CAPS}steps:\n  __proto__: { skill: build }\n`)).toMatch(
      /^6:3 steps.__proto__: "__proto__" is a reserved name/,
    );
    const data = JSON.parse('{"baton":1,"name":"x","steps":{"__proto__":{"skill":"build"}}}') as unknown;
    expect(() => checkPlan(data, (plan) => buildRegistry(plan))).toThrow(
      /steps.__proto__: "__proto__" is a reserved name/,
    );
  });
});

describe('messages that say what is wrong', () => {
  it('refuses a custom or unknown YAML tag with its location instead of turning the value into a string', () => {
    const text = one(
      `baton: 1\nname: x\ncapabilities:\n  sh: { kind: command, command: [node, !!js/function 'function () {}', !shell rm], skills: { build: 1 } }\nsteps:\n  a: { skill: build }\n`,
    );
    expect(text).toBe(
      [
        '4:40 : the YAML tag !!js/function is not allowed in a plan: a plan holds only strings, numbers, booleans, null, lists and maps; write the value without a tag',
        '4:72 : the YAML tag !shell is not allowed in a plan: a plan holds only strings, numbers, booleans, null, lists and maps; write the value without a tag',
      ].join('\n'),
    );
    expect(one(`baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, input: !!binary aGk= }\n`)).toContain(
      'the YAML tag !!binary is not allowed in a plan',
    );
    expect(() =>
      parsePlan(`baton: 1\nname: !!str x\n${CAPS}steps:\n  a: { skill: build }\n`, {
        registry: (plan) => buildRegistry(plan),
      }),
    ).not.toThrow();
  });

  it('says a number is out of range where a 1e400 is', () => {
    expect(
      one(
        `baton: 1\nname: x\ninputs: { n: { type: integer, default: 1e400 }, l: { type: list, default: [1, -1e999] } }\n${CAPS}steps:\n  a: { skill: build }\n`,
      ),
    ).toBe(
      [
        '3:40 inputs.n.default: number out of range: it is too large for a number (the largest is about 1.8e308)',
        '3:79 inputs.l.default.1: number out of range: it is too large for a number (the largest is about 1.8e308)',
      ].join('\n'),
    );
  });

  it('names the gate that combines approval and evidence and says how to compose them; explains other phase mistakes', () => {
    const text = one(
      `baton: 1\nname: x\nphases: [build, { id: ship, gate: { approval: true, evidence: { checks: [a] } } }, { id: after, gate: { evidence: { chekcs: [a] } } }, { id: last, colour: red }]\n${CAPS}steps:\n  a: { skill: build, phase: build }\n`,
    );
    expect(text).toContain(
      'phases.1.gate: the gate of phase "ship" combines approval and evidence: a gate holds exactly one of approval, evidence or policy; to require several, list them under all (gate: { all: [ {approval: {count: 2}}, {evidence: {...}} ], override: never })',
    );
    expect(text).toContain('phases.2.gate.evidence.chekcs: unknown field "chekcs"');
    expect(text).toContain('phases.3.colour: unknown field "colour"');
    expect(text).not.toContain('Invalid input');
  });

  it('explains a composed gate\'s mistakes by the requirement, the approval count and the override, never "Invalid input"', () => {
    const text = one(
      `baton: 1\nname: x\nphases: [build, { id: ship, gate: { all: [ { approval: 2 }, { approval: true, policy: 'true' }, { requires: { run: 'cp@latest', artifact: CP.md } } ], override: sometimes } }]\n${CAPS}steps:\n  a: { skill: build, phase: build }\n`,
    );
    expect(text).toContain(
      'phases.1.gate.all.0.approval: approval is true (one person), {count: N} (N distinct people, 1 to 10) or {count: N, role: ROLE} (N distinct members of a registry role)',
    );
    expect(text).toContain(
      'phases.1.gate.all.1: a requirement holds exactly one of approval, evidence, policy or requires (list each as its own item)',
    );
    expect(text).toContain(
      'phases.1.gate.all.2.requires.artifact: an artifact is named STEP/FILE (e.g. "build/report.json")',
    );
    expect(text).toContain(
      'phases.1.gate.all.2.requires.sealed: a prerequisite artifact must be sealed: write `sealed: true`',
    );
    expect(text).toContain(
      'phases.1.gate.override: override is never (the default), {approval_by: [PRINCIPAL, ...]}, the people who may override, or {approval_by: ROLE}',
    );
    expect(text).not.toContain('Invalid input');
  });

  it('names a long dependency cycle by its first steps and its length, on one short line', () => {
    const steps = Array.from(
      { length: 1_000 },
      (_, i) => `  s${i}: { skill: build, after: [s${(i + 1) % 1_000}] }`,
    ).join('\n');
    const [issue, ...rest] = issuesOf(`baton: 1\nname: x\n${CAPS}steps:\n${steps}\n`);
    expect(rest).toEqual([]);
    expect(issue?.message).toMatch(
      /^dependency cycle of 1,000 steps: s\d+ -> s\d+ -> s\d+ -> s\d+ -> s\d+ -> s\d+ -> s\d+ -> s\d+ -> s\d+ -> s\d+ -> \.\.\. -> s\d+ \(990 steps not shown\)$/,
    );
    expect(
      one(`baton: 1\nname: x\n${CAPS}steps:\n  a: { skill: build, after: [b] }\n  b: { skill: build, after: [a] }\n`),
    ).toMatch(/dependency cycle: (a -> b -> a|b -> a -> b)$/);
  });
});

describe('plan file bytes', () => {
  const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

  it('refuses bytes that are not UTF-8 with their line and column instead of replacing them', () => {
    const bytes = new Uint8Array([...utf8('baton: 1\nname: café '), 0xe9, ...utf8('\nsteps: {}\n')]);
    expect(() => decodePlanBytes(bytes, 'plan.yaml')).toThrow(PlanError);
    try {
      decodePlanBytes(bytes, 'plan.yaml');
    } catch (error) {
      expect((error as PlanError).issues).toEqual([
        {
          path: [],
          file: 'plan.yaml',
          line: 2,
          column: 12,
          message:
            'plan files must be UTF-8: byte 0xE9 at offset 21 is not valid UTF-8 (is the file in Latin-1 or another encoding?)',
        },
      ]);
    }
    // Overlong forms and surrogates are not UTF-8 either.
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
    ]) {
      expect(() => decodePlanBytes(new Uint8Array([0x61, ...bad]))).toThrow(/byte 0x.. at offset 1 is not valid UTF-8/);
    }
    expect(decodePlanBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('name: café ✓ 𝄞')]))).toBe('name: café ✓ 𝄞');
  });

  it('names a UTF-16 or UTF-32 file as such', () => {
    const utf16le = new Uint8Array([0xff, 0xfe, ...[...'baton: 1'].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(() => decodePlanBytes(utf16le, 'plan.yaml')).toThrow('plan files must be UTF-8 (this file is UTF-16 LE)');
    expect(() => decodePlanBytes(new Uint8Array([0xfe, 0xff, 0, 0x62]))).toThrow('(this file is UTF-16 BE)');
    expect(() => decodePlanBytes(new Uint8Array([0xff, 0xfe, 0, 0, 0x62, 0, 0, 0]))).toThrow(
      '(this file is UTF-32 LE)',
    );
    expect(() => decodePlanBytes(new Uint8Array([0x62, 0, 0x61, 0]))).toThrow(
      '(this file is UTF-16 LE, without a byte order mark)',
    );
  });
});

describe('inputs read by expressions', () => {
  it('refuses an undeclared inputs.NAME in a condition, a template or a command argument at validate time', () => {
    const text = one(
      `baton: 1\nname: x\ninputs: { count: { type: integer, default: 1 } }\ncapabilities:\n  sh: { kind: command, command: [node, "{{ inputs.who }}"], skills: { build: 1 } }\nsteps:\n  a: { skill: build, when: "inputs.cout > 1", input: { n: "{{ inputs['zz'] }}" } }\n  b: { skill: build, input: "{{ inputs.count }}" }\n`,
    );
    expect(text.split('\n').map((line) => line.replace(/^\d+:\d+ /, ''))).toEqual([
      'steps.a.when: `inputs.cout > 1` reads inputs.cout, which the plan does not declare (did you mean "count"?); declared: count (declare it under `inputs:`)',
      "steps.a.input: `inputs['zz']` reads inputs.zz, which the plan does not declare; declared: count (declare it under `inputs:`)",
      'capabilities.sh.command.1: `inputs.who` reads inputs.who, which the plan does not declare; declared: count (declare it under `inputs:`)',
    ]);
  });

  it('refuses an undeclared inputs.NAME in a gate policy', () => {
    expect(
      one(
        `baton: 1\nname: x\nphases: [build, { id: ship, gate: { policy: "inputs.ok" } }]\n${CAPS}steps:\n  a: { skill: build, phase: build }\n  b: { skill: build, phase: ship }\n`,
      ),
    ).toBe(
      '3:45 phases.1.gate.policy: `inputs.ok` reads inputs.ok, which the plan does not declare; the plan declares no inputs (declare it under `inputs:`)',
    );
  });
});

describe('nesting', () => {
  it('refuses plan text nested past 64 levels before the YAML parser sees it, with its line and column', () => {
    // Flow collections thousands deep made the parser overflow its stack (or V8 abort the process).
    expect(one(`baton: 1\nname: x\nsteps: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)).toBe(
      '3:71 : nested more than 64 levels deep (objects and lists inside each other); Baton accepts at most 64',
    );
    const block = Array.from({ length: 3_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(one(block)).toBe(
      '65:65 : nested more than 64 levels deep (objects and lists inside each other); Baton accepts at most 64',
    );
    expect(one(`- ${'- '.repeat(70)}x`)).toMatch(/^1:1 : nested more than 64 levels deep/);
  });

  it('accepts nesting a real plan uses, with brackets in strings and templates', () => {
    const text = `baton: 1\nname: x\n${CAPS}steps:\n  a:\n    skill: build\n    input: { deep: [[[{ x: "{{ inputs }} [ { " }]]] }\n`;
    expect(() => parsePlan(text, { registry: (plan) => buildRegistry(plan) })).not.toThrow();
  });

  it('refuses plan data nested past 64 levels with the path to the first level too deep', () => {
    let input: unknown = 1;
    for (let i = 0; i < 3_000; i++) input = { a: input };
    const plan = { baton: 1, name: 'x', steps: { s: { skill: 'build', input } } };
    try {
      checkPlan(plan, (p) => buildRegistry(p));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PlanError);
      const [issue] = (error as PlanError).issues;
      expect(issue?.path.slice(0, 4)).toEqual(['steps', 's', 'input', 'a']);
      expect(issue?.path).toHaveLength(64);
    }
  });
});
