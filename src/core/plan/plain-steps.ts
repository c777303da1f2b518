import { PLAN_LIMITS, SKILL_NAME_PATTERN, STEP_ID_PATTERN, type Plan, type Step } from './schema.js';

/**
 * The steps of a plan as the schema gives them back, when every one is plain: `{ skill }` or
 * `{ skill, after: [ids] }`, each value of the form the schema accepts; otherwise undefined, and
 * the schema parses the plan (and says what is wrong, with its own messages).
 *
 * Why: zod's object parser runs every field of the step schema on every step, present or not
 * (26 fields, a payload and an issue list each), which was most of checking a large plan, and
 * large plans are mostly such steps. The answer for a plain step is known without that: the
 * same values, in new objects with the schema's key order (skill, then after). Anything else,
 * or anything doubtful (another prototype, a symbol key, a hole), goes to the schema.
 * test/core/plain-steps.test.ts holds the two equal, key order included.
 * @example plainSteps({ a: { skill: 'build' } }) // { a: { skill: 'build' } }
 */
export function plainSteps(steps: unknown): Plan['steps'] | undefined {
  if (!isPlainObject(steps) || Object.getOwnPropertySymbols(steps).length > 0) return undefined;
  const ids = Object.keys(steps);
  if (ids.length === 0) return undefined;
  const checked: Record<string, Step> = {};
  for (const id of ids) {
    if (!isPlainName(id, STEP_ID_PATTERN)) return undefined;
    const step = plainStep((steps as Record<string, unknown>)[id]);
    if (step === undefined) return undefined;
    checked[id] = step;
  }
  return checked;
}

function plainStep(value: unknown): Step | undefined {
  if (!isPlainObject(value)) return undefined;
  // for...in, as zod's strict check walks the keys (inherited enumerable ones too).
  for (const key in value) if (key !== 'skill' && key !== 'after') return undefined;
  const { skill, after } = value as { skill?: unknown; after?: unknown };
  if (!isPlainName(skill, SKILL_NAME_PATTERN)) return undefined;
  if (!('after' in value)) return { skill };
  if (!Array.isArray(after)) return undefined;
  const ids: string[] = [];
  for (let index = 0; index < after.length; index += 1) {
    const id: unknown = after[index];
    if (!isPlainName(id, STEP_ID_PATTERN)) return undefined;
    ids.push(id);
  }
  return { skill, after: ids };
}

function isPlainObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/** A name the schema's `id(...).regex(pattern)` accepts: at most PLAN_LIMITS.id long, not `__proto__`. */
function isPlainName(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && value.length <= PLAN_LIMITS.id && value !== '__proto__' && pattern.test(value);
}
