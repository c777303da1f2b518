import { z } from 'zod';
import { Budget, JsonValue, limitParam, RunId } from './common.js';
import { RUN_SEARCH_MAX_LENGTH } from '../../engine/index.js';
import { decisionEvidenceSchema, pendingAboutSchema, preflightSchemas } from '../../core/index.js';

const DecisionEvidenceSchema = decisionEvidenceSchema();
const PendingAboutSchema = pendingAboutSchema();
const { RiskViewSchema } = preflightSchemas();

export const PendingSchema = z.object({
  id: z
    .string()
    .describe('`gate:execution`, `confirm:deploy`, `escalation:build`, `human:review`, `signal:go`, `plan:1`'),
  kind: z.enum(['gate', 'confirm', 'escalation', 'human', 'signal', 'plan', 'handoff']),
  step: z.string().nullable(),
  phase: z.string().nullable(),
  reason: z.string(),
  since: z.string(),
  answers: z
    .array(z.string())
    .describe('the `baton` commands that answer it, the usual one first; docs/api.md gives the matching requests'),
  evidence: DecisionEvidenceSchema.optional().describe(
    'gates, confirmations, escalations and plan approvals: what approving binds',
  ),
  about: PendingAboutSchema.optional(),
});

export const TokensSchema = z
  .object({
    inputTokens: z.int(),
    outputTokens: z.int(),
    cachedInputTokens: z.int().optional().describe('of inputTokens, those read from the provider prompt cache'),
  })
  .describe('tokens used by model calls (llm capabilities), as their providers reported them');

export const StepRowSchema = z.object({
  step: z.string(),
  status: z.string().describe('waiting, ready, awaiting, escalated, running, succeeded, failed, skipped or cancelled'),
  capability: z.string().nullable(),
  attempts: z.int(),
  error: z.string().nullable(),
  output: JsonValue.describe('the output once the step succeeded, else null'),
  tokens: TokensSchema.optional().describe("its attempts' model calls, summed; absent when it made none"),
});

const ShownStatus = z
  .enum(['running', 'succeeded', 'failed', 'denied', 'aborted', 'timed_out', 'waiting', 'paused'])
  .describe('`waiting`/`paused`: running, but it cannot go on by itself');

/** A child run a sub-plan step started, with its own (`subPlans` of a run view). */
interface SubPlanRunShape {
  step: string;
  attemptId: string;
  runId: string;
  name: string;
  status: string;
  children: SubPlanRunShape[];
}

export const SubPlanRunSchema: z.ZodType<SubPlanRunShape> = z
  .object({
    step: z.string(),
    attemptId: z.string(),
    runId: RunId,
    name: z.string(),
    status: z.string(),
    get children() {
      return z.array(SubPlanRunSchema);
    },
  })
  .meta({ id: 'SubPlanRun' })
  .describe('a child run a sub-plan step started, and the child runs it started in turn');

export const RunViewSchema = z.object({
  runId: RunId,
  name: z.string(),
  status: ShownStatus,
  pending: z.array(PendingSchema),
  approvals: z
    .array(
      z.object({
        id: z.string(),
        by: z.string(),
        comment: z.string().nullable(),
        verdict: z
          .literal('overridden')
          .optional()
          .describe('set on an override of a gate (its comment is the reason); absent on an approval'),
        evidence: DecisionEvidenceSchema.optional().describe('absent for approvals recorded before evidence was'),
        keyId: z.string().optional().describe('the signing key, where the act was signed (`baton key`)'),
        account: z.string().optional().describe('the operating-system account that recorded it, where the CLI did'),
      }),
    )
    .describe(
      'decisions a person approved (each approver of a gate that needs several), then overrides, with what each bound',
    ),
  failure: z.string().nullable(),
  paused: z.object({ by: z.string(), reason: z.string().nullable() }).nullable(),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
  planHash: z.string(),
  correlationId: z
    .string()
    .optional()
    .describe(
      "the run's correlation id, a W3C trace id: the caller's traceparent trace id, or one the engine made; absent for runs created before it was recorded",
    ),
  revision: z.int(),
  events: z.int(),
  budget: Budget,
  tokens: TokensSchema.optional().describe('every model call of the run, summed; absent when it made none'),
  risks: z.array(RiskViewSchema).describe("the plan's risk register, each control looked up in the plan"),
  steps: z.array(StepRowSchema),
  parent: z
    .object({ runId: RunId, step: z.string(), attemptId: z.string(), headHash: z.string() })
    .optional()
    .describe(
      "a sub-plan's child run: the parent run, step and attempt that started it, and the parent's ledger head then",
    ),
  subPlans: z
    .array(SubPlanRunSchema)
    .optional()
    .describe('the child runs its sub-plan steps started; absent when there are none'),
});

export const RunSummarySchema = z.object({
  runId: RunId,
  name: z.string(),
  planHash: z.string(),
  status: ShownStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  headSeq: z.int(),
  headHash: z.string(),
  pending: z.array(PendingSchema),
});

export const RunList = z.object({
  runs: z.array(RunSummarySchema),
  next: z.string().nullable().describe('pass as `cursor` for the next page; null when there are no more'),
});

export const StoredRunStatus = z.enum(['running', 'succeeded', 'failed', 'denied', 'aborted', 'timed_out']);

export const ListRunsQuerySchema = z.strictObject({
  status: StoredRunStatus.optional().describe(
    'only runs with this status (`running` includes waiting and paused runs)',
  ),
  limit: limitParam(200, 20),
  cursor: z.string().max(400).optional().describe('the `next` of the page before'),
  q: z
    .string()
    .max(
      RUN_SEARCH_MAX_LENGTH,
      `a run search is at most ${RUN_SEARCH_MAX_LENGTH} characters (a run id, a plan name or words of an objective)`,
    )
    .optional()
    .describe(
      'only runs whose id, plan name or objective contains this text, ignoring case; `%`, `_` and `\\` match themselves. Combines with `status` and `cursor` (pass the same `q` with the cursor)',
    ),
});

export const LedgerQuery = z.strictObject({
  after: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, 'a seq: a whole number, 0 or more')
    .transform(Number)
    .optional()
    .default(0)
    .describe('events after this seq (default 0: from the start)'),
  limit: limitParam(1000, 100),
});

export const SubmitRunResponse = z.object({
  runId: RunId,
  correlationId: z
    .string()
    .optional()
    .describe("the run's correlation id: the trace id of the request's traceparent, or one the engine made"),
  status: ShownStatus,
  created: z
    .boolean()
    .describe('false when a run with this id and plan existed already: it was resumed (or had ended)'),
});

export const StepDetail = z.object({
  step: StepRowSchema,
  routing: z
    .array(z.record(z.string(), z.unknown()))
    .describe("the step's entries of the routing log: candidates, reasons, attempts, decisions"),
});

export const RunArtifactSchema = z.object({
  name: z.string(),
  sha256: z.string(),
  bytes: z.int(),
  attemptId: z.string(),
  seq: z.int(),
  sealed: z.boolean(),
});
