import { z } from 'zod';
import { handoffRequestOf, handoffSchemas } from '../../engine/index.js';
import { RunParams } from '../schemas/common.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const { HandoffReportSchema, HandoffRequestFields } = handoffSchemas();

/**
 * `request_handoff` over HTTP: the same protocol, request and report as the MCP tool (one
 * schema, engine/handoff-schema.ts), with the same scope (`operate`). A handoff that halted is
 * a 409 carrying the report: what was done before the halt stays done, and the halt is raised
 * as a pending decision for a governor (`pending`).
 */
export function handoffRoutes({ baton }: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/handoffs',
      operationId: 'requestHandoff',
      tag: 'operate',
      summary: 'Hand work to another agent',
      description:
        "Hands work from one agent (and the step it finished) to another for a step, in five steps checked against the run as it is then (artifacts, transition, state, routing, queue), as MCP's `request_handoff`: see docs/mcp.md. Halts at the first step that fails; what was done stays done. A halted handoff whose receiving step is a step of the running run is raised as a pending decision for a governor (`pending`, `handoff:N`): `POST /v1/runs/{id}/approvals` with that target runs it again, `/denials` closes it.",
      scope: 'operate',
      params: RunParams,
      body: z.strictObject(HandoffRequestFields),
      responses: {
        200: { description: 'queued: every step passed', schema: HandoffReportSchema },
        409: {
          description: 'halted at `failedAt`, with `error`; the report says which steps were done',
          schema: HandoffReportSchema,
        },
      },
      handle: async ({ c, params, body, principal }) => {
        const report = await baton.requestHandoff(params.id, handoffRequestOf(body), { by: principal.by });
        return c.json(report, report.ok ? 200 : 409);
      },
    }),
  ];
}
