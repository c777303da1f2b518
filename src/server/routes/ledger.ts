import { z } from 'zod';
import { preflightSchemas } from '../../core/index.js';
import { handoffs, pipelineState, routingLog, runArtifacts } from '../../ledger/index.js';
import { NoQuery, RunParams } from '../schemas/common.js';
import { LedgerPage, VerifyResponse } from '../schemas/events.js';
import { LedgerQuery, PendingSchema, RunArtifactSchema } from '../schemas/runs.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const { RiskViewSchema } = preflightSchemas();

const PipelineStateSchema = z
  .object({
    runId: z.string(),
    name: z.string(),
    status: z.string(),
    failure: z.string().nullable(),
    pending: z.array(PendingSchema),
    currentPhase: z.string().nullable(),
    phases: z.array(
      z.object({
        id: z.string(),
        readiness: z.string(),
        opened: z.boolean(),
        current: z.boolean(),
        gate: z.enum(['none', 'approval', 'evidence', 'policy', 'all']),
        steps: z.int(),
        done: z.int(),
        failed: z.int(),
      }),
    ),
    budget: z.object({
      limitUsd: z.number().nullable(),
      spentUsd: z.number(),
      reservedUsd: z.number(),
      remainingUsd: z.number().nullable(),
    }),
    recentRouting: z.array(z.object({ seq: z.int(), at: z.string(), type: z.string(), summary: z.string() })),
    risks: z.array(RiskViewSchema).describe("the plan's risk register, each control looked up in the plan"),
    revision: z.int(),
    events: z.int(),
    updatedAt: z.string(),
  })
  .describe('As `baton state RUN --json`.');

/** A run's ledger and the projections of it: `baton log`, `state`, `handoffs`, `verify`. */
export function ledgerRoutes({ baton }: RouteDeps): Route[] {
  const projection = (
    path: string,
    operationId: string,
    summary: string,
    description: string,
    schema: z.ZodType,
    project: (events: Awaited<ReturnType<typeof baton.verifiedEvents>>) => unknown,
  ) =>
    defineRoute({
      method: 'get',
      path,
      operationId,
      tag: 'runs',
      summary,
      description: `${description} Computed from the ledger once it verifies; a ledger that fails verification is a 500 \`integrity\`.`,
      scope: 'read',
      params: RunParams,
      query: NoQuery,
      responses: { 200: { description: summary, schema } },
      handle: async ({ c, params }) => c.json(project(await baton.verifiedEvents(params.id)) as object),
    });
  return [
    defineRoute({
      method: 'get',
      path: '/v1/runs/:id/ledger',
      operationId: 'readLedger',
      tag: 'runs',
      summary: "Read a run's ledger",
      description:
        'Events in seq order, in pages: `after` is the last seq you have. `GET /v1/runs/{id}/events` streams the same events as they come.',
      scope: 'read',
      params: RunParams,
      query: LedgerQuery,
      responses: { 200: { description: 'a page of events', schema: LedgerPage } },
      handle: async ({ c, params, query }) => {
        const events = await baton.events(params.id, query.after, query.limit);
        return c.json({ events, next: events.length === query.limit ? (events.at(-1)?.seq ?? null) : null });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/runs/:id/verify',
      operationId: 'verifyRun',
      tag: 'runs',
      summary: "Verify a run's ledger",
      description:
        "Recomputes the hash chain from the first event (it must reach the head recorded for the run), checks it against the workspace ledger's record of the run's creation and end, and re-hashes the sealed artifacts, as `baton verify RUN`. A failed verification is a 200 with `ok: false`, where and why.",
      scope: 'read',
      params: RunParams,
      responses: { 200: { description: 'the verdict', schema: VerifyResponse } },
      handle: async ({ c, params }) => c.json(await baton.verify(params.id)),
    }),
    projection(
      '/v1/runs/:id/state',
      'getPipelineState',
      'Get the pipeline state',
      'Pending decisions first, phases and their readiness, the budget, the latest routing, the risk register: `baton state RUN`.',
      PipelineStateSchema,
      (events) => pipelineState(events),
    ),
    projection(
      '/v1/runs/:id/routing',
      'getRoutingLog',
      'Get the routing log',
      'Which capability each step went to, every candidate weighed with its reason, and what came of it: `baton log RUN`.',
      z.array(z.record(z.string(), z.unknown())),
      (events) => routingLog(events),
    ),
    projection(
      '/v1/runs/:id/handoffs',
      'getHandoffs',
      'Get the handoffs',
      'The work passed from step to step (outputs and artifacts by hash) and from phase to phase: `baton handoffs RUN`.',
      z.array(z.record(z.string(), z.unknown())),
      (events) => handoffs(events),
    ),
    projection(
      '/v1/runs/:id/artifacts',
      'listRunArtifacts',
      "List a run's artifacts",
      'Every file its attempts left, by name and sha256 (download with `GET /v1/artifacts/{sha256}`), and whether it is sealed.',
      z.object({ artifacts: z.array(RunArtifactSchema) }),
      (events) => ({ artifacts: runArtifacts(events) }),
    ),
  ];
}
