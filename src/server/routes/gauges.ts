import { z } from 'zod';
import { NotFoundError, type RunState } from '../../core/index.js';
import { displayStatus } from '../../engine/index.js';
import { Budget, RunId } from '../schemas/common.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const MAX_RUNS = 200;

const GaugesQuery = z.strictObject({
  runs: z
    .string()
    .min(1)
    .max(MAX_RUNS * 130)
    .transform((text) => [...new Set(text.split(','))])
    .pipe(z.array(RunId).max(MAX_RUNS, `at most ${MAX_RUNS} runs at once`))
    .describe(`run ids separated by commas (at most ${MAX_RUNS})`),
});

const StepCounts = z.object({
  total: z.int(),
  succeeded: z.int(),
  failed: z.int().describe('failed or cancelled'),
  skipped: z.int(),
  running: z.int(),
});

export const RunGaugeSchema = z.object({
  runId: RunId,
  status: z.string(),
  steps: StepCounts,
  budget: Budget,
  createdAt: z.string(),
  endedAt: z.string().nullable(),
  deadlineAt: z
    .string()
    .nullable()
    .describe("when the run times out, from the plan's `constraints.deadline`; null without one"),
});

const GaugesResponse = z.object({
  gauges: z.array(RunGaugeSchema),
  missing: z.array(z.string()).describe('ids of runs this workspace does not have'),
});

function stepCounts(state: RunState): z.infer<typeof StepCounts> {
  const counts = { total: 0, succeeded: 0, failed: 0, skipped: 0, running: 0 };
  for (const step of Object.values(state.steps)) {
    counts.total += 1;
    if (step.status === 'succeeded') counts.succeeded += 1;
    else if (step.status === 'failed' || step.status === 'cancelled') counts.failed += 1;
    else if (step.status === 'skipped') counts.skipped += 1;
    else if (step.status === 'running') counts.running += 1;
  }
  return counts;
}

/**
 * Progress, budget and deadline of several runs in one request: what a list of runs shows beside
 * each (the dashboard's runs page), without a request per run. Each is folded from its verified
 * ledger, as `GET /v1/runs/{id}` is; a client asks again only for runs whose `headSeq` moved.
 */
export function gaugeRoutes({ baton }: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/gauges',
      operationId: 'runGauges',
      tag: 'runs',
      summary: 'Progress, budget and deadline of several runs',
      description:
        'Step counts by status, money spent and reserved against the budget, and the deadline, for each run named in `runs`.',
      scope: 'read',
      query: GaugesQuery,
      responses: { 200: { description: 'the gauges, in the order asked', schema: GaugesResponse } },
      handle: async ({ c, query }) => {
        const gauges: z.infer<typeof RunGaugeSchema>[] = [];
        const missing: string[] = [];
        for (const runId of query.runs) {
          try {
            const { state } = await baton.getRun(runId);
            gauges.push({
              runId,
              status: displayStatus(state),
              steps: stepCounts(state),
              budget: state.budget,
              createdAt: state.createdAt,
              endedAt: state.endedAt,
              deadlineAt: state.deadlineAt === null ? null : new Date(state.deadlineAt).toISOString(),
            });
          } catch (error) {
            if (!(error instanceof NotFoundError)) throw error;
            missing.push(runId);
          }
        }
        return c.json({ gauges, missing });
      },
    }),
  ];
}
