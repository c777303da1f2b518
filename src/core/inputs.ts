import { InputError, type PlanIssue } from './errors.js';
import type { Json, JsonObject } from './json.js';
import { tooDeep, tooDeepMessage } from './nesting.js';
import type { InputType, Plan } from './plan/schema.js';

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

function matches(type: InputType, value: Json): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** `--input n=3` gives the text "3"; the declared type says what it means. */
function fromText(type: InputType, text: string): Json | undefined {
  switch (type) {
    case 'string':
      return text;
    case 'number':
    case 'integer': {
      // JSON's number syntax only: no hex, no surrounding spaces, no `Infinity`.
      if (!(type === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/).test(text)) return undefined;
      const value = Number(text);
      return Number.isFinite(value) ? value : undefined;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'list':
    case 'object': {
      try {
        const value = JSON.parse(text) as Json;
        return matches(type, value) ? value : undefined;
      } catch {
        return undefined;
      }
    }
  }
}

/**
 * The run's inputs: declared defaults overlaid with what was given. Text values (from the
 * command line) are read by the declared type; other values must already have it. Throws
 * PlanError with every problem (unknown names, missing required inputs, wrong types).
 * @example resolveInputs(plan, { n: '3' }, { fromText: true }) // { n: 3, greeting: 'hello' }
 */
export function resolveInputs(
  plan: Plan,
  given: Record<string, Json>,
  options: { fromText?: boolean } = {},
): JsonObject {
  const declared = plan.inputs ?? {};
  const issues: PlanIssue[] = [];
  const resolved: JsonObject = {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      const names = Object.keys(declared);
      issues.push({
        path: ['inputs', name],
        message: `the plan declares no input "${name}"; declared: ${names.length > 0 ? names.join(', ') : 'none'}`,
      });
    }
  }
  for (const [name, declaration] of Object.entries(declared)) {
    const raw = given[name];
    const deep = raw === undefined ? undefined : tooDeep(raw);
    if (deep !== undefined) {
      issues.push({ path: ['inputs', name, ...deep], message: `input "${name}" is ${tooDeepMessage()}` });
      continue;
    }
    if (raw === undefined) {
      if (declaration.default === undefined)
        issues.push({
          path: ['inputs', name],
          message: `input "${name}" (${declaration.type}) is required: pass --input ${name}=VALUE`,
        });
      else resolved[name] = declaration.default as Json;
      continue;
    }
    const value = options.fromText && typeof raw === 'string' ? fromText(declaration.type, raw) : raw;
    if (value === undefined || !matches(declaration.type, value)) {
      issues.push({
        path: ['inputs', name],
        message: `input "${name}" must be ${article(declaration.type)} ${declaration.type}, got ${JSON.stringify(raw)}`,
      });
    } else resolved[name] = value;
  }
  if (issues.length > 0) throw new InputError(issues);
  return resolved;
}

const numberInputsCache = new WeakMap<object, ReadonlySet<string>>();
const NONE: ReadonlySet<string> = new Set();

/**
 * Inputs declared `type: number`. Expressions see them as CEL doubles even when whole, so that
 * `inputs.price * 1.5` works with `price: 2` (see ExpressionContext.doubleInputs).
 */
export function numberInputs(declared: Plan['inputs']): ReadonlySet<string> {
  if (!declared) return NONE;
  let names = numberInputsCache.get(declared);
  if (!names) {
    names = new Set(Object.keys(declared).filter((name) => declared[name]?.type === 'number'));
    numberInputsCache.set(declared, names);
  }
  return names;
}

function article(type: InputType): string {
  return type === 'integer' || type === 'object' ? 'an' : 'a';
}

/** Input declarations whose default does not have the declared type: a plan error, found at validation. */
export function checkInputDefaults(plan: Plan): PlanIssue[] {
  return Object.entries(plan.inputs ?? {}).flatMap(([name, declaration]) =>
    declaration.default !== undefined && !matches(declaration.type, declaration.default as Json)
      ? [
          {
            path: ['inputs', name, 'default'],
            message: `default ${JSON.stringify(declaration.default)} is not ${article(declaration.type)} ${declaration.type}`,
          },
        ]
      : [],
  );
}
