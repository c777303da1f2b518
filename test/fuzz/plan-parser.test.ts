import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildRegistry, canonicalJson, checkPlan, parsePlan, PlanError, type Plan } from '../../src/core/index.js';
import { hashPlan } from '../../src/ledger/index.js';
import { FUZZ_TIMEOUT_MS, fuzzOptions, settle } from './budget.js';
import { mutate, validPlan } from './plan-arbitrary.js';

const registry = (plan: Plan) => buildRegistry(plan, []);
const parseText = (text: string) => parsePlan(text, { file: 'fuzz.yaml', registry });
const checkData = (data: unknown) => checkPlan(data, registry);

/**
 * The contract for any input: it is accepted, or refused with a PlanError whose every issue
 * says where (a JSON path; for text also file, line and column). Anything else (a TypeError,
 * a RangeError from a deep recursion, a hang, which shows as a test that never ends) is a bug.
 */
function expectAcceptedOrLocated(call: () => unknown, fromText: boolean, seen?: Outcomes): void {
  const { error } = settle(call);
  if (error === undefined) {
    if (seen) seen.accepted++;
    return;
  }
  if (seen && error instanceof PlanError) {
    for (const issue of error.issues) {
      seen.deepest = Math.max(seen.deepest, issue.path.length);
      seen.messages.add(issue.message.replace(/[`"].*$/, ''));
    }
  }
  if (!(error instanceof PlanError)) throw error;
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) {
    expect(Array.isArray(issue.path), issue.message).toBe(true);
    for (const part of issue.path) expect(['string', 'number']).toContain(typeof part);
    expect(issue.message.length).toBeGreaterThan(0);
    if (fromText) {
      expect(issue.file).toBe('fuzz.yaml');
      expect(issue.line, `${issue.message} has a line`).toBeGreaterThanOrEqual(1);
      expect(issue.column, `${issue.message} has a column`).toBeGreaterThanOrEqual(1);
    }
  }
}

/** What the mutations reached: a fuzzer that only ever hits "expected an object" proves little. */
interface Outcomes {
  accepted: number;
  deepest: number;
  messages: Set<string>;
}

/** Every example plan that stands alone (plans relying on function capabilities need code). */
function examplePlans(): Plan[] {
  const plans: Plan[] = [];
  for (const dir of ['examples/patterns', 'examples/governance']) {
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
      try {
        plans.push(parseText(readFileSync(join(dir, file), 'utf8')));
      } catch {
        // function.yaml routes to a function registered in code
      }
    }
  }
  return plans;
}

/** YAML-ish text: the characters that steer the YAML parser, mixed with plan words. */
const yamlishText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'baton: 1\n',
        'name: x\n',
        'steps:\n',
        '  a:\n',
        '    skill: s\n',
        ': ',
        '- ',
        '\n',
        '  ',
        '{',
        '}',
        '[',
        ']',
        ',',
        '"',
        "'",
        '&a ',
        '*a ',
        '!!str ',
        '!!binary ',
        '? ',
        '|',
        '>',
        '#',
        '---\n',
        '...\n',
        '%YAML 1.2\n',
        '<<: *a\n',
        '\t',
        '\\u0000',
        '\u0000',
        '\uFEFF',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('plan parser and validator under arbitrary input', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const examples = examplePlans();

  it('finds the example plans to mutate', () => {
    expect(examples.length).toBeGreaterThanOrEqual(15);
  });

  it('any text: accepted, or refused with file:line:col for every issue, within the bound', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          yamlishText,
          fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
        ),
        (text) => {
          expectAcceptedOrLocated(() => parseText(text), true);
        },
      ),
      fuzzOptions(300),
    );
  });

  it('any JSON data: accepted, or refused with a JSON path for every issue', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (data) => {
        expectAcceptedOrLocated(() => checkData(data), false);
      }),
      fuzzOptions(300),
    );
  });

  it('a mutated example plan, as data and as YAML text', () => {
    fc.assert(
      fc.property(fc.constantFrom(...examples).chain(mutate), (mutant) => {
        expectAcceptedOrLocated(() => checkData(mutant), false);
        expectAcceptedOrLocated(() => parseText(stringify(mutant)), true);
      }),
      fuzzOptions(300),
    );
  });

  it('a mutated generated plan, as data and as YAML text', () => {
    const seen: Outcomes = { accepted: 0, deepest: 0, messages: new Set() };
    fc.assert(
      fc.property(validPlan.chain(mutate), (mutant) => {
        expectAcceptedOrLocated(() => checkData(mutant), false, seen);
        expectAcceptedOrLocated(() => parseText(stringify(mutant)), true);
      }),
      fuzzOptions(300),
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.deepest).toBeGreaterThanOrEqual(4); // e.g. steps.a.after.count, steps.a.retry.max
    expect(seen.messages.size).toBeGreaterThanOrEqual(10);
  });

  it('a generated plan is valid, and round-trips through its canonical form and YAML unchanged', () => {
    fc.assert(
      fc.property(validPlan, (data) => {
        const plan = checkData(data);
        const canonical = canonicalJson(plan);
        const again = parseText(canonical);
        expect(canonicalJson(again)).toBe(canonical);
        expect(hashPlan(again)).toBe(hashPlan(plan));
        expect(canonicalJson(parseText(stringify(plan)))).toBe(canonical);
        expect(canonicalJson(checkData(JSON.parse(canonical)))).toBe(canonical);
      }),
      fuzzOptions(200),
    );
  });

  it('every example plan round-trips through its canonical form with the same hash', () => {
    for (const plan of examples) {
      const again = parseText(canonicalJson(plan));
      expect(again).toEqual(plan);
      expect(hashPlan(again)).toBe(hashPlan(plan));
    }
  });

  it('hostile documents are refused quickly and with a location, without a process warning', async () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      laughs.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const hostile = [
      '',
      '   \n\n',
      '# only a comment\n',
      'null',
      '---\nbaton: 1\n---\nbaton: 1\n',
      laughs.join('\n'), // billion laughs
      '['.repeat(5_000) + ']'.repeat(5_000), // deep nesting
      '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
      'steps:\n' + '  '.repeat(2_000) + 'x: 1\n',
      `baton: 1\nname: x\nsteps:\n  a:\n    skill: s\n    when: "${'('.repeat(500)}true${')'.repeat(500)}"\n`,
      `baton: 1\nname: x\nsteps:\n  a:\n    skill: s\n    when: "${'!'.repeat(10_000)}true"\n`,
      `baton: 1\nname: x\nsteps:\n  a:\n    skill: s\n    input: "${'{{ 1 }}'.repeat(5_000)}"\n`,
      'baton: 1\nname: x\nsteps:\n  __proto__:\n    skill: s\n',
      'baton: 1\nname: x\nsteps:\n  a: { skill: s }\n  a: { skill: s }\n',
      'baton: 1\nname: x\nsteps: !!binary aGVsbG8=\n',
      'baton: 1\nname: x\nsteps: { a: { skill: s, after: *nope } }\n',
      'baton: 1\nname: x\nsteps: {[a]: {skill: s}}\n', // a collection as a key
      '? [a]\n: 1\n',
      'a: &k b\n*k : 1\n',
      '!!binary aGVsbG8=: 1\n',
    ];
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    for (const text of hostile) {
      expect(() => parseText(text), text.slice(0, 60)).toThrow(PlanError);
      expectAcceptedOrLocated(() => parseText(text), true);
    }
    await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
    expect(() => parseText('baton: 1\nname: x\nsteps: {[a]: {skill: s}}\n')).toThrow(
      /fuzz.yaml:3:9 \(plan\): not valid for a plan: a key must be a plain name/,
    );
  });
});
