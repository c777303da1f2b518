import { z } from 'zod';
import { NotFoundError } from '../../core/index.js';
import { stepRows } from '../../engine/index.js';
import { routingLog } from '../../ledger/index.js';
import { decodeRunCursor, encodeRunCursor } from '../cursor.js';
import { RunParams, StepParams } from '../schemas/common.js';
import { ListRunsQuerySchema, RunList, RunViewSchema, StepDetail, StepRowSchema } from '../schemas/runs.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

/** Runs as `baton status` shows them: the list, one run, its steps. */
export function runRoutes({ baton }: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/runs',
      operationId: 'listRuns',
      tag: 'runs',
      summary: 'List runs',
      description:
        'Newest first, in pages, optionally filtered by status and searched (`q`). Runs that have not ended say whether they are waiting (and for what) or paused.',
      scope: 'read',
      query: ListRunsQuerySchema,
      responses: { 200: { description: 'a page of runs', schema: RunList } },
      handle: async ({ c, query }) => {
        const before = query.cursor === undefined ? undefined : decodeRunCursor(query.cursor);
        // One more than asked says whether there is a next page.
        const records = await baton.listRuns({
          limit: query.limit + 1,
          ...(query.status && { status: query.status }),
          ...(query.q && { search: query.q }),
          ...(before && { before }),
        });
        const page = records.slice(0, query.limit);
        const last = page.at(-1);
        return c.json({
          runs: await baton.summarizeRuns(page),
          next: records.length > query.limit && last ? encodeRunCursor(last) : null,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/runs/:id',
      operationId: 'getRun',
      tag: 'runs',
      summary: 'Get a run',
      description:
        'Its status, pending decisions (with the commands that answer them), budget, risk register and steps, as `baton status RUN --json`.',
      scope: 'read',
      params: RunParams,
      responses: { 200: { description: 'the run', schema: RunViewSchema } },
      handle: async ({ c, params }) => {
        return c.json((await baton.runStatus(params.id)).view);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/runs/:id/steps',
      operationId: 'listSteps',
      tag: 'runs',
      summary: "List a run's steps",
      scope: 'read',
      params: RunParams,
      responses: {
        200: { description: 'the steps, in plan order', schema: z.object({ steps: z.array(StepRowSchema) }) },
      },
      handle: async ({ c, params }) => {
        const { state } = await baton.getRun(params.id);
        return c.json({ steps: stepRows(state) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/runs/:id/steps/:step',
      operationId: 'getStep',
      tag: 'runs',
      summary: 'Get a step',
      description:
        'The step and its entries of the routing log: the candidates weighed and why, its attempts, and the decisions people made about it.',
      scope: 'read',
      params: StepParams,
      responses: { 200: { description: 'the step', schema: StepDetail } },
      handle: async ({ c, params }) => {
        const { state } = await baton.getRun(params.id);
        const step = stepRows(state).find((row) => row.step === params.step);
        if (!step)
          throw new NotFoundError(
            `step "${params.step}" in run "${params.id}" (its steps: ${Object.keys(state.steps).join(', ')})`,
          );
        const routing = routingLog(await baton.verifiedEvents(params.id)).filter((entry) => entry.step === params.step);
        return c.json({ step, routing });
      },
    }),
  ];
}
