import type { z } from 'zod';
import { builtOnFirstUse } from '../core/deferred-packages.js';
import { MAX_HANDOFF_INSTRUCTION, MAX_HANDOFF_ITEM, MAX_HANDOFF_ITEMS } from '../core/index.js';
import { HANDOFF_STEPS, type HandoffRequest } from './handoff.js';

/**
 * A handoff request and its report as the surfaces take and give them (MCP `request_handoff`,
 * HTTP `POST /v1/runs/{id}/handoffs`): one definition, so both accept and answer the same.
 * Built on the first call.
 */
export const handoffSchemas = builtOnFirstUse(({ z }) => {
  const Name = z.string().min(1).max(200);

  /** The options an agent weighed when it routed work (`append_routing_event`, a handoff's routing step). */
  const RouteCandidatesSchema = z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        score: z.number().optional(),
        reason: z.string().max(10_000).optional(),
      }),
    )
    .max(100)
    .optional()
    .describe('The options weighed, each with an optional score and reason; the chosen one must be among them');

  /** The fields of a handoff request (without the run, which each surface names its own way). */
  const HandoffRequestFields = {
    from: z.strictObject({
      agent: Name.describe('The handing agent, as it names itself (who acted is recorded separately)'),
      step: Name.optional().describe('The step whose work is handed on'),
    }),
    to: z.strictObject({
      agent: Name.describe('The receiving agent'),
      step: Name.describe('The step the receiving agent takes up'),
      role: Name.optional().describe(
        "A role of the workspace registry's `roles:`; its constraints are injected verbatim into the handoff",
      ),
    }),
    artifacts: z
      .array(z.string().min(1).max(1000))
      .max(1000)
      .optional()
      .describe('Artifacts handed on, by name (`step/file`, as get_run_state and baton handoffs show them)'),
    reason: z.string().min(1).max(10_000).describe('Why the work is handed on'),
    candidates: RouteCandidatesSchema,
    instruction: z
      .string()
      .max(MAX_HANDOFF_INSTRUCTION)
      .optional()
      .describe('What the receiving agent is to do, recorded with the handoff'),
    completionCriteria: z
      .array(z.string().min(1).max(MAX_HANDOFF_ITEM))
      .max(MAX_HANDOFF_ITEMS)
      .optional()
      .describe('How the receiving agent knows the work is done, one criterion per entry'),
    knownRisks: z
      .array(z.string().min(1).max(MAX_HANDOFF_ITEM))
      .max(MAX_HANDOFF_ITEMS)
      .optional()
      .describe('What the handing agent knows may go wrong, one risk per entry'),
  };

  const HandoffReportSchema = z.strictObject({
    runId: z.string(),
    ok: z.boolean(),
    handoffId: z.string().nullable(),
    failedAt: z.enum(HANDOFF_STEPS).nullable(),
    error: z.string().nullable(),
    steps: z.array(
      z.strictObject({
        step: z.enum(HANDOFF_STEPS),
        status: z.enum(['done', 'failed', 'not_run']),
        detail: z.string(),
      }),
    ),
    pending: z
      .string()
      .nullable()
      .describe(
        'A halted handoff raised as a pending decision for a governor (`handoff:1`): approve runs it again, deny closes it',
      ),
  });

  return { RouteCandidatesSchema, HandoffRequestFields, HandoffReportSchema };
});

type RequestFields = z.infer<z.ZodObject<ReturnType<typeof handoffSchemas>['HandoffRequestFields']>>;

/**
 * A request as a surface parsed it, as the engine takes it (optional fields left out, a
 * missing `from.step` is none).
 * @example handoffRequestOf({ from: { agent: 'a' }, to: { agent: 'b', step: 'review' }, reason: 'built' })
 */
export function handoffRequestOf(given: RequestFields): HandoffRequest {
  const { from, to, artifacts, reason, candidates, instruction, completionCriteria, knownRisks } = given;
  return {
    from: { agent: from.agent, step: from.step ?? null },
    to: { agent: to.agent, step: to.step, ...(to.role !== undefined && { role: to.role }) },
    artifacts: artifacts ?? [],
    reason,
    ...(candidates && { candidates }),
    ...(instruction !== undefined && { instruction }),
    ...(completionCriteria && { completionCriteria }),
    ...(knownRisks && { knownRisks }),
  };
}
