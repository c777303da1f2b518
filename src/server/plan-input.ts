import { z } from 'zod';
import type { Plan } from '../core/index.js';
import type { Baton } from '../engine/index.js';
import type { Principal } from './route.js';
import { allows } from '../engine/index.js';
import { ApiError, ApiErrorCode } from './errors.js';

/**
 * A plan in a request body: the plan as a JSON object, or its YAML (or JSON) text. Checked
 * loosely here; `readPlan` validates it with the plan language's own checks, whose issues name
 * the path in the plan (and, for text, its line and column). The OpenAPI document shows the
 * full plan schema in its place (see openapi.ts).
 */
export const PlanField = z
  .union([z.string().min(1, 'the plan text is empty'), z.record(z.string(), z.unknown())], { error: 'expected a plan: a JSON object, or its YAML or JSON text as a string' })
  .describe('the plan: an object in the plan language, or its YAML or JSON text');

export function readPlan(baton: Baton, given: string | Record<string, unknown>): Plan {
  return typeof given === 'string' ? baton.parsePlan(given) : baton.validate(given);
}

/**
 * Command capabilities run programs on the server's machine, as the server's user: a plan
 * that declares any can only be submitted (or revised in) with the admin scope. Plans that
 * only route to people (`human`) and functions registered in the server need `operate`.
 */
export function requireAdminForCommands(plan: Plan, principal: Principal): void {
  const commands = Object.entries(plan.capabilities ?? {}).filter(([, capability]) => capability.kind === 'command');
  if (commands.length === 0 || allows(principal.scopes, 'admin')) return;
  throw new ApiError(
    ApiErrorCode.forbidden,
    `plan "${plan.name}" declares command capabilities (${commands.map(([id]) => id).join(', ')}), which run programs on the server: that needs a token with the admin scope`,
  );
}
