import { PlanBody, PreflightResponse, ValidateResponse } from '../schemas/plans.js';
import { readPlan } from '../plan-input.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

/** Plans checked without running anything: `baton validate` and `baton run --dry-run`. */
export function planRoutes({ baton }: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/plans/validate',
      operationId: 'validatePlan',
      tag: 'plans',
      summary: 'Validate a plan',
      description:
        'Schema, references, cycles and expressions, as `baton validate`. An invalid plan is a 400 `plan_invalid` listing every problem with its path (and line and column for plan text).',
      scope: 'read',
      body: PlanBody,
      responses: { 200: { description: 'the plan is valid', schema: ValidateResponse } },
      handle: ({ c, body }) => {
        const plan = readPlan(baton, body.plan);
        return c.json({
          valid: true as const,
          name: plan.name,
          steps: Object.keys(plan.steps).length,
          capabilities: Object.keys(plan.capabilities ?? {}).length,
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/plans/preflight',
      operationId: 'preflightPlan',
      tag: 'plans',
      summary: 'Pre-flight a plan (dry run)',
      description:
        'What the plan would do under its constraints: routes with reasons, costs, phases, gates, confirmations, and the problems that would refuse it. Writes nothing. A plan with problems is still a 200: the report lists them.',
      scope: 'read',
      body: PlanBody,
      responses: { 200: { description: 'the pre-flight report', schema: PreflightResponse } },
      handle: async ({ c, body }) => c.json(await baton.preflight(readPlan(baton, body.plan))),
    }),
  ];
}
