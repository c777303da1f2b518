import { z } from 'zod';
import { parseTraceparent } from '../../core/index.js';
import { displayStatus, requirePlanScope } from '../../engine/index.js';
import { planSourceOf, PlanField } from '../plan-input.js';
import { JsonValue, RunId, RunParams } from '../schemas/common.js';
import { ResumeBody } from '../schemas/operate.js';
import { SubmitRunResponse } from '../schemas/runs.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

export const SubmitRunBody = z.strictObject({
  plan: PlanField,
  inputs: z
    .record(z.string(), JsonValue)
    .optional()
    .describe("values of the plan's declared inputs, typed (a number as a number); defaults fill the rest"),
  runId: RunId.optional().describe(
    'choose the run id; submitting an existing id with the same plan and inputs resumes that run instead of starting another (safe to retry)',
  ),
});

/**
 * Starting and continuing runs. The server conducts them itself, in the background: the
 * request returns once the run is recorded, and the run goes on (waiting for people and
 * signals as long as it needs) until it ends or the server stops; `resume` picks it up again.
 */
export function submitRoutes({ baton, appends }: RouteDeps): Route[] {
  const wake = () => appends.notify();
  return [
    defineRoute({
      method: 'post',
      path: '/v1/runs',
      operationId: 'submitRun',
      tag: 'runs',
      summary: 'Submit a run',
      description:
        'Validates the plan and inputs and runs the pre-flight; anything wrong is a 400 and nothing is written. Then the run is created and this server conducts it. A plan that declares command capabilities runs programs on the server, and needs the admin scope.',
      scope: 'operate',
      body: SubmitRunBody,
      headers: [
        {
          name: 'traceparent',
          description:
            "W3C trace context (00-<32 hex trace id>-<16 hex span id>-<2 hex flags>): its trace id becomes the run's correlation id, recorded in run.created and carried to every capability call; malformed, a 400 and nothing is written. Absent: the engine makes one.",
        },
      ],
      responses: {
        201: {
          description: 'the run was created; the server conducts it (Location: the run)',
          schema: SubmitRunResponse,
        },
        200: {
          description: 'a run with this id, plan and inputs existed: it is conducted here again (or had ended)',
          schema: SubmitRunResponse,
        },
      },
      handle: async ({ c, body, principal }) => {
        const traceparent = c.req.header('traceparent');
        // Read before anything else, so a malformed header writes nothing.
        const correlationId = traceparent === undefined ? undefined : parseTraceparent(traceparent).traceId;
        const run = await baton.admit(
          planSourceOf(body.plan),
          { inputs: body.inputs ?? {} },
          { authorize: (plan) => requirePlanScope(plan, principal.scopes, principal.by, 'submit') },
        );
        const existed = body.runId !== undefined && (await baton.findRun(body.runId)) !== undefined;
        const handle = await baton.submit(run, {
          wait: true,
          by: principal.by,
          onEvents: wake,
          ...(body.runId !== undefined && { runId: body.runId }),
          ...(correlationId !== undefined && { correlationId }),
        });
        const created = handle.state.correlationId;
        if (created !== undefined) c.set('correlationId', created);
        return c.json(
          {
            runId: handle.runId,
            ...(created !== undefined && { correlationId: created }),
            status: displayStatus(handle.state),
            created: !existed,
          },
          existed ? 200 : 201,
          { Location: `/v1/runs/${encodeURIComponent(handle.runId)}` },
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/resume',
      operationId: 'resumeRun',
      tag: 'operate',
      summary: 'Resume a run',
      description:
        "Lifts a pause and has this server conduct the run: after a crash or a stop of whatever conducted it, or for a run started elsewhere that waits for people. Nothing that succeeded runs again. A run another live process conducts is a 409. The run's recorded decisions are re-derived first: a run this version of the conductor would have decided differently is a 500 `integrity` naming the first divergent event, and nothing is written, unless `acceptDivergence` is given.",
      scope: 'operate',
      params: RunParams,
      body: ResumeBody,
      responses: {
        202: {
          description: 'this server conducts the run (or it had ended: see status)',
          schema: SubmitRunResponse.omit({ created: true }),
        },
      },
      handle: async ({ c, params, body, principal }) => {
        const handle = await baton.resume(params.id, {
          wait: true,
          unpause: true,
          by: principal.by,
          onEvents: wake,
          ...(body.acceptDivergence && { acceptDivergence: body.acceptDivergence }),
        });
        return c.json({ runId: handle.runId, status: displayStatus(handle.state) }, 202);
      },
    }),
  ];
}
