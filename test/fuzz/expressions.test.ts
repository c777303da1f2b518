import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  compileExpression,
  EVALUATION_BUDGET,
  ExpressionError,
  renderTemplates,
  type Json,
} from '../../src/core/index.js';
import { unsafePattern } from '../../src/core/regex-safety.js';
import { FUZZ_TIMEOUT_MS, fuzzOptions, settle } from './budget.js';

/**
 * Expressions and templates come from plan authors and, through inputs and step outputs, from
 * data. Whatever the source: compiling and evaluating either gives JSON or an ExpressionError
 * (never another exception), always within a time bound, and never reads the process.
 */

/** An evaluation that takes longer than this is unbounded: the step budget stops one in about 0.2 s. */
const SECRET = 'fuzz-secret-7d1c0a';

const context = {
  inputs: {
    n: 3,
    ratio: 0.5,
    s: 'abc',
    list: [1, 2, 3],
    words: ['a', 'b'],
    obj: { k: 'v', n: 1 },
    big: 'x'.repeat(10_000),
    none: null,
  },
  steps: { a: { status: 'succeeded', output: { ok: true, items: [1, 2] } } },
};

/** Compiles and evaluates; anything thrown but an ExpressionError fails the test. */
function evaluateSafely(
  source: string,
  scope: Parameters<typeof compileExpression>[1] = 'step',
): { value?: Json; error?: ExpressionError } {
  const { value, error } = settle(() => compileExpression(source, scope).evaluate(context));
  if (error !== undefined && !(error instanceof ExpressionError)) throw error;
  return { ...(value !== undefined && { value }), ...(error instanceof ExpressionError && { error }) };
}

function expectPlainJson(value: unknown): void {
  const text = JSON.stringify(value);
  expect(text === undefined ? value : JSON.parse(text)).toEqual(value);
  expect(text ?? '').not.toContain(SECRET);
}

/** CEL source built from its grammar: literals, the variables in scope, operators, functions, macros. */
const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => {
  const e = tie('e');
  const leaf = fc.oneof(
    fc.constantFrom(
      'inputs.n',
      'inputs.ratio',
      'inputs.s',
      'inputs.list',
      'inputs.words',
      'inputs.obj',
      'inputs.big',
      'inputs.none',
      'inputs.missing',
      'steps.a.output',
      'steps.a.status',
      'steps.a.output.items',
      'x',
      'item',
      'env',
      'process',
    ),
    fc.constantFrom(
      '0',
      '1',
      '-1',
      '9223372036854775807',
      '-9223372036854775808',
      '18446744073709551615u',
      '1.5',
      '1e308',
      '-0.0',
      'true',
      'false',
      'null',
      '""',
      '"abc"',
      "'x'",
      'b"\\xff"',
      '[]',
      '{}',
      '[1, 2, 3]',
      '{"k": 1}',
      'duration("1s")',
      'timestamp("2020-01-01T00:00:00Z")',
    ),
    fc.integer().map(String),
    fc.string({ maxLength: 8 }).map((text) => JSON.stringify(text)),
  );
  return {
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(fc.constantFrom('!', '-'), e).map(([op, a]) => `${op}${a}`),
      fc
        .tuple(e, fc.constantFrom('+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', '&&', '||', 'in'), e)
        .map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(e, e, e).map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
      fc
        .tuple(fc.constantFrom('size', 'string', 'int', 'double', 'type', 'bytes', 'uint', 'dyn'), e)
        .map(([f, a]) => `${f}(${a})`),
      fc
        .tuple(
          e,
          fc.constantFrom(
            'size()',
            'upperAscii()',
            'lowerAscii()',
            'trim()',
            'contains("a")',
            'startsWith("a")',
            'endsWith("c")',
            'matches("^a+$")',
            'split(",")',
            'join(",")',
            'indexOf("b")',
            'replace("a", "bb")',
            'substring(1)',
            'charAt(0)',
            'k',
            'output',
            'ok',
          ),
        )
        .map(([a, m]) => `${a}.${m}`),
      fc.tuple(e, e).map(([a, b]) => `${a}[${b}]`),
      fc
        .tuple(e, fc.constantFrom('map', 'filter', 'all', 'exists', 'exists_one'), e)
        .map(([list, macro, body]) => `${list}.${macro}(x, ${body})`),
      fc.tuple(e, e).map(([a, b]) => `[${a}, ${b}]`),
      fc.tuple(e, e).map(([a, b]) => `{${a}: ${b}}`),
      e.map((a) => `has(${a})`),
    ),
  };
}).e;

/** Expressions written to hurt: work that explodes, memory that explodes, backtracking, the host. */
const list = `[${Array.from({ length: 200 }, (_, i) => i).join(',')}]`;
const HOSTILE = [
  `${list}.map(x, ${list}.map(y, ${list}.map(z, x + y + z))).size()`,
  `${list}.all(x, ${list}.all(y, ${list}.all(z, true)))`,
  `${list}.exists(x, ${list}.exists(y, ${list}.exists(z, false)))`,
  `["a"]${'.map(t, t + t + t + t + t + t + t + t)'.repeat(12)}[0].size()`,
  `[${list}]${'.map(l, l + l + l + l)'.repeat(12)}.size()`,
  `size(${list}.map(x, inputs.big))`,
  `inputs.big${'.replace("x", "xxxxxxxxxx")'.repeat(8)}.size()`,
  `${'('.repeat(200)}1${')'.repeat(200)}`,
  `${'!'.repeat(5_000)}true`,
  `${'1 + '.repeat(3_000)}1`,
  `"${'a'.repeat(30)}!".matches("^(a+)+$")`,
  `"${'a'.repeat(30)}!".matches("^(a|a)*$")`,
  `"${'a'.repeat(30)}!".matches("^(a|aa)+$")`,
  `"aa".matches("^(a)\\\\1$")`,
  'inputs.s.matches(inputs.s)',
  'matches(inputs.s, inputs.s)',
  'process.env',
  'env.HOME',
  'globalThis',
  'this',
  'require("fs")',
  'import("fs")',
  'inputs.constructor',
  'inputs["constructor"]',
  'inputs.__proto__',
  'inputs["__proto__"]',
  '"".constructor.constructor("return process")()',
  'inputs.s.constructor',
  'type(inputs).constructor',
  'dyn(inputs).toString()',
  '9223372036854775807 + 1',
  '-9223372036854775808 - 1',
  '9007199254740993',
  '1 / 0',
  '1.0 / 0.0',
  '1 % 0',
];

describe('expressions under hostile and arbitrary input', { timeout: FUZZ_TIMEOUT_MS }, () => {
  beforeAll(() => {
    process.env.BATON_FUZZ_SECRET = SECRET;
  });
  afterAll(() => {
    delete process.env.BATON_FUZZ_SECRET;
  });

  it('the budget stops work, memory and backtracking bombs, and the host is out of reach', () => {
    for (const source of HOSTILE) {
      const { value } = evaluateSafely(source);
      expectPlainJson(value ?? null);
    }
    // Each bomb is stopped for the reason it should be.
    expect(evaluateSafely(HOSTILE[0] as string).error?.message).toMatch(
      `more than ${EVALUATION_BUDGET.maxSteps} evaluation steps`,
    );
    expect(evaluateSafely(HOSTILE[3] as string).error?.message).toMatch(/builds more than/);
    expect(() => compileExpression(HOSTILE[10] as string, 'step')).toThrow(/exponential time/);
    expect(() => compileExpression('inputs.s.matches(inputs.s)', 'step')).toThrow(/must be a string literal/);
    expect(() => compileExpression('process.env', 'step')).toThrow(/Unknown variable: process/);
  });

  it('a budget error inside `||` is not absorbed: the evaluation still stops', () => {
    const { error } = evaluateSafely(`${list}.map(x, ${list}.map(y, ${list}.map(z, 1))).size() > 0 || true`);
    expect(error?.message).toMatch(/evaluation budget/);
  });

  it('the budget leaves room for real data: a macro over a 100,000-element list', () => {
    const numbers = Array.from({ length: 100_000 }, (_, i) => i);
    expect(
      compileExpression('inputs.numbers.map(x, x * 2).filter(x, x % 3 == 0).size()', 'step').evaluate({
        inputs: { numbers },
      }),
    ).toBe(33_334);
    expect(
      compileExpression('inputs.text.size() > 0 && inputs.text.contains("z")', 'step').evaluate({
        inputs: { text: 'y'.repeat(16 * 1024 * 1024) },
      }),
    ).toBe(false);
  });

  it('the budget is per evaluation: a compiled expression evaluates again and again', () => {
    const compiled = compileExpression(`${list}.map(x, ${list}.map(y, y).size()).size()`, 'step'); // 40,000 steps each time
    for (let i = 0; i < 5; i++) expect(compiled.evaluate(context)).toBe(200);
    expect(EVALUATION_BUDGET.maxSteps).toBeGreaterThanOrEqual(100_000);
  });

  it('any expression from the grammar: JSON or an ExpressionError', () => {
    fc.assert(
      fc.property(expression, (source) => {
        const { value } = evaluateSafely(source);
        expectPlainJson(value ?? null);
      }),
      fuzzOptions(1_500),
    );
  });

  it('any text as an expression or a template: JSON or an ExpressionError', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc
        .array(
          fc.constantFrom(
            '{{',
            '}}',
            ' ',
            'inputs',
            '.',
            'n',
            '(',
            ')',
            '[',
            ']',
            '"',
            "'",
            '\\',
            '+',
            'map',
            ',',
            'x',
            '?',
            ':',
          ),
          { maxLength: 20 },
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, (source) => {
        const { value } = evaluateSafely(source);
        expectPlainJson(value ?? null);
        const rendered = settle(() => renderTemplates({ text: source, list: [source] }, 'step', context));
        if (rendered.error !== undefined && !(rendered.error instanceof ExpressionError)) throw rendered.error;
        expectPlainJson(rendered.value ?? null);
      }),
      fuzzOptions(1_000),
    );
  });

  it('data passes through an expression unchanged: any JSON value read as `input` comes back equal', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const read = compileExpression('input', 'command').evaluate({ input: value as Json });
        expect(canonicalJson(read)).toBe(canonicalJson(value));
        expect(
          canonicalJson(renderTemplates({ v: value as Json, t: '{{ input }}' }, 'command', { input: value as Json })),
        ).toBe(canonicalJson({ v: value, t: value }));
      }),
      fuzzOptions(500),
    );
  });

  it('a "__proto__" key in data is kept as data (a bug these tests found: it was dropped)', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": []}}') as Json;
    expect(canonicalJson(compileExpression('input', 'command').evaluate({ input: value }))).toBe(
      '{"__proto__":{"polluted":true},"a":{"__proto__":[]}}',
    );
    expect(canonicalJson(renderTemplates({ v: value, t: '{{ input }}' }, 'command', { input: value }))).toBe(
      canonicalJson({ v: value, t: value }),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('no file the process can read leaks through: an expression has no I/O', () => {
    const passwd = (() => {
      try {
        return readFileSync('/etc/hostname', 'utf8').trim();
      } catch {
        return undefined;
      }
    })();
    for (const source of ['"/etc/hostname"', 'bytes("/etc/hostname")', 'string(b"/etc/hostname")']) {
      const { value } = evaluateSafely(source);
      if (passwd) expect(JSON.stringify(value)).not.toContain(passwd);
    }
  });
});

/** Far beyond any accepted pattern's run time on any machine; reached only by a hang. */
const REGEX_HANG_WATCHDOG_MS = 20_000;

describe('matches() patterns', { timeout: FUZZ_TIMEOUT_MS }, () => {
  it('refuses shapes that backtrack exponentially, accepts ordinary ones', () => {
    for (const bad of [
      '(a+)+',
      '(a*)*',
      '(a|a)*',
      '(a|aa)+',
      '(.*a){3,}',
      '((ab)*)+',
      '(a)\\1',
      '(?<x>a)\\k<x>',
      '(a?)+',
    ])
      expect(unsafePattern(bad), bad).toBeDefined();
    for (const good of [
      '^a+$',
      '^[a-z]+@[a-z]+\\.com$',
      '^(ab|cd)$',
      '^v[0-9]+\\.[0-9]+$',
      '(abc)+',
      '[(+*)]+',
      '\\(a+\\)+',
      '^(a|b)?$',
      'a{2,5}',
    ])
      expect(unsafePattern(good), good).toBeUndefined();
  });

  it('an accepted pattern from the grammar of quantified groups finishes on a long adversarial string', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '\\d', 'x');
    const piece = fc.tuple(atom, fc.constantFrom('', '*', '+', '?', '{2}')).map(([a, q]) => a + q);
    const group = fc
      .tuple(fc.array(piece, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.constantFrom('', '*', '+', '?'))
      .map(([pieces, alt, q]) => `(${pieces.join(alt ? '|' : '')})${q}`);
    const pattern = fc
      .array(fc.oneof(piece, group), { minLength: 1, maxLength: 3 })
      .map((parts) => `^${parts.join('')}$`);
    fc.assert(
      fc.property(pattern, (source) => {
        if (unsafePattern(source) !== undefined) return;
        // A pattern that backtracks exponentially never finishes on 40 characters (2^40 paths),
        // while an accepted one takes microseconds. The VM's watchdog only turns such a hang into a
        // failure naming the pattern (a regex cannot be interrupted otherwise); it times nothing.
        const finished = runInNewContext(
          'new RegExp(source).test(subject)',
          { source, subject: `${'a'.repeat(40)}!` },
          { timeout: REGEX_HANG_WATCHDOG_MS },
        );
        expect(typeof finished, source).toBe('boolean');
      }),
      fuzzOptions(500),
    );
  });
});
