import { z } from 'zod';
import type { Plan } from '../core/index.js';
import type { Baton, PlanSource } from '../engine/index.js';

/**
 * A plan in a request body: the plan as a JSON object, or its YAML (or JSON) text. Checked
 * loosely here; `readPlan` validates it with the plan language's own checks, whose issues name
 * the path in the plan (and, for text, its line and column). The OpenAPI document shows the
 * full plan schema in its place (see openapi.ts).
 */
export const PlanField = z
  .union([z.string().min(1, 'the plan text is empty'), z.record(z.string(), z.unknown())], {
    error: 'expected a plan: a JSON object, or its YAML or JSON text as a string',
  })
  .describe('the plan: an object in the plan language, or its YAML or JSON text');

export function readPlan(baton: Baton, given: string | Record<string, unknown>): Plan {
  return typeof given === 'string' ? baton.parsePlan(given) : baton.validate(given);
}

/** The plan field as a source for `Baton.admit`: text is parsed, an object validated as it is. */
export function planSourceOf(given: string | Record<string, unknown>): PlanSource {
  return typeof given === 'string' ? { text: given } : { data: given };
}
