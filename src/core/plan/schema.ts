import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

/**
 * The plan language, v1. This zod schema is the single definition of the user contract:
 * it validates plans, it is exported as JSON Schema (`baton schema`), and the TypeScript
 * types below are inferred from it. Semantic checks that need the whole plan (references,
 * cycles, expressions) live in validate.ts.
 */

/** Step ids are CEL identifiers so that `steps.<id>.output` reads naturally in expressions. */
export const StepId = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a step id is a letter or _ followed by letters, digits or _ (it is used as steps.<id> in expressions)');

export const CapabilityId = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a capability id is letters, digits, _, . and -');

export const SkillName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, 'a skill name is letters, digits, _, ., : and -');

export const Duration = z
  .string()
  .regex(DURATION_PATTERN, 'a duration is a number and a unit: 500ms, 2s, 1.5m, 1h, 1d');

/** A CEL expression (https://cel.dev), compiled and checked in validate.ts. */
export const Expression = z.string().min(1, 'an expression cannot be empty');

export const InputType = z.enum(['string', 'number', 'integer', 'boolean', 'list', 'object']);

export const InputDeclaration = z.strictObject({
  type: InputType,
  description: z.string().optional(),
  default: z.json().optional(),
});

export const Skills = z.record(SkillName, z.number().min(0).max(1));

export const CommandCapability = z.strictObject({
  kind: z.literal('command'),
  description: z.string().optional(),
  /** argv, never a shell string; each argument may hold `{{ expr }}` templates over `input` and `inputs`. */
  command: z.array(z.string()).min(1, 'command needs at least the program to run'),
  skills: Skills,
  /** Default timeout for every attempt on this capability; a step's own `timeout` wins. */
  timeout: Duration.optional(),
});

/** Capability kinds a plan file can declare. `function` capabilities are registered in code. */
export const PlanCapability = z.discriminatedUnion('kind', [CommandCapability]);

export const After = z.union([
  z.array(StepId),
  z.strictObject({ any: z.array(StepId).min(1) }),
  z.strictObject({ count: z.int().min(1), of: z.array(StepId).min(1) }),
]);

export const Retry = z.strictObject({
  /** Retries after the first attempt. */
  max: z.int().min(0).max(100),
  /** Wait before the first retry; doubles for each further retry. Default 0. */
  backoff: Duration.optional(),
});

export const Repeat = z.strictObject({
  until: Expression,
  max: z.int().min(1).max(10_000),
});

export const Step = z
  .strictObject({
    description: z.string().optional(),
    skill: SkillName.optional(),
    capability: CapabilityId.optional(),
    after: After.optional(),
    when: Expression.optional(),
    for_each: Expression.optional(),
    concurrency: z.int().min(1).optional(),
    repeat: Repeat.optional(),
    input: z.json().optional(),
    retry: Retry.optional(),
    timeout: Duration.optional(),
    on_failure: z.enum(['fail', 'continue']).optional(),
  })
  .superRefine((step, ctx) => {
    if ((step.skill === undefined) === (step.capability === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a step needs exactly one of `skill` (routed to the strongest capability) or `capability` (pinned)',
        path: step.skill === undefined ? [] : ['capability'],
      });
    }
    if (step.concurrency !== undefined && step.for_each === undefined) {
      ctx.addIssue({ code: 'custom', message: '`concurrency` only applies to a `for_each` step', path: ['concurrency'] });
    }
    if (step.for_each !== undefined && step.repeat !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'a step cannot have both `for_each` and `repeat` (put the loop in its own step)', path: ['repeat'] });
    }
  });

export const Plan = z.strictObject({
  baton: z.literal(1, 'the plan language version; this Baton reads `baton: 1`'),
  name: z.string().min(1),
  objective: z.string().optional(),
  inputs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an input name is an identifier'), InputDeclaration).optional(),
  capabilities: z.record(CapabilityId, PlanCapability).optional(),
  steps: z.record(StepId, Step).refine((steps) => Object.keys(steps).length > 0, 'a plan needs at least one step'),
});

export type Plan = z.infer<typeof Plan>;
export type Step = z.infer<typeof Step>;
export type After = z.infer<typeof After>;
export type PlanCapability = z.infer<typeof PlanCapability>;
export type CommandCapability = z.infer<typeof CommandCapability>;
export type InputDeclaration = z.infer<typeof InputDeclaration>;
export type InputType = z.infer<typeof InputType>;

/** The plan language as JSON Schema (draft 2020-12), for editors and other tools. */
export function planJsonSchema(): Record<string, unknown> {
  return {
    title: 'Baton plan (v1)',
    ...z.toJSONSchema(Plan, { target: 'draft-2020-12', io: 'input' }),
  };
}
