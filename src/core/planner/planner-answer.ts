import { planJsonSchema } from '../plan/schema.js';

/** A skill the objective (or its design document) needs, as the planner names it. */
export interface NeededSkill {
  skill: string;
  /** Why the design needs it, in a sentence. */
  why?: string;
}

/**
 * What a planner answers, as structured output: the plan, and the skills it needs to be carried
 * out (`skills_needed`), which Baton compares with the registry's (see `skillReadiness`).
 */
export interface PlannerAnswer {
  plan: unknown;
  skills_needed?: NeededSkill[];
}

/**
 * The JSON Schema a planner's answer is held to: `{ plan, skills_needed }`, the plan being the
 * plan language's own schema (`baton schema`). Its `$defs` are lifted to the root, where the
 * references inside the plan's schema point once it is nested.
 * @example
 * plannerAnswerSchema().required // ['plan', 'skills_needed']
 */
export function plannerAnswerSchema(): Record<string, unknown> {
  const { $defs, $schema: _dialect, title: _title, ...plan } = planJsonSchema();
  return {
    ...(($defs !== undefined && { $defs }) as object),
    type: 'object',
    properties: {
      plan,
      skills_needed: {
        type: 'array',
        description: 'every skill the objective needs carried out, whether the registry has it or not',
        items: {
          type: 'object',
          properties: { skill: { type: 'string', minLength: 1 }, why: { type: 'string' } },
          required: ['skill'],
          additionalProperties: false,
        },
      },
    },
    required: ['plan', 'skills_needed'],
    additionalProperties: false,
  };
}

/** The answer read as `PlannerAnswer`: an object with a `plan`; anything else is undefined. */
export function readPlannerAnswer(value: unknown): PlannerAnswer | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('plan' in value)) return undefined;
  const answer = value as { plan: unknown; skills_needed?: unknown };
  const needed = Array.isArray(answer.skills_needed)
    ? answer.skills_needed.filter(
        (entry): entry is NeededSkill =>
          typeof entry === 'object' && entry !== null && typeof (entry as NeededSkill).skill === 'string',
      )
    : undefined;
  return { plan: answer.plan, ...(needed !== undefined && { skills_needed: needed }) };
}
