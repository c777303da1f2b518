import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  BatonError,
  checkCorrelationId,
  ErrorCode,
  evolve,
  formatPreflight,
  parseTraceparent,
  preflightSchemas,
  runTokens,
  type Json,
  type RunState,
} from '../../core/index.js';
import { displayStatus, requirePlanScope, RUN_SEARCH_MAX_LENGTH } from '../../engine/index.js';
import { pipelineState } from '../../ledger/index.js';
import { defineTool } from '../define-tool.js';
import { awaitOutcome, outcomeSummary, planArgument, planSource, verifiedEvents } from '../run-views.js';
import { args, ArtifactRefView, PendingView, PlanArgs, RunId, RunOutcome, WaitSeconds } from '../schemas.js';
import { Scope } from '../scopes.js';
import type { McpSession } from '../session.js';

const { PreflightReportSchema, RiskViewSchema } = preflightSchemas();

/** The run tools: list runs, read one run's state, dry-run a plan, submit one. */

/** Tokens of model calls (llm capabilities), summed; absent where none was made. */
const Tokens = z.strictObject({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cachedInputTokens: z.number().int().optional(),
});

const RunStateOutput = z.strictObject({
  runId: z.string(),
  name: z.string(),
  status: z.string(),
  failure: z.string().nullable(),
  pending: z.array(PendingView),
  currentPhase: z.string().nullable(),
  phases: z.array(
    z.strictObject({
      id: z.string(),
      readiness: z.enum(['needed', 'building', 'ready', 'partial', 'failed']),
      opened: z.boolean(),
      current: z.boolean(),
      gate: z.enum(['none', 'approval', 'evidence', 'policy', 'all']),
      steps: z.number().int(),
      done: z.number().int(),
      failed: z.number().int(),
    }),
  ),
  budget: z.strictObject({
    limitUsd: z.number().nullable(),
    spentUsd: z.number(),
    reservedUsd: z.number(),
    remainingUsd: z.number().nullable(),
  }),
  recentRouting: z.array(
    z.strictObject({ seq: z.number().int(), at: z.string(), type: z.string(), summary: z.string() }),
  ),
  reports: z.array(
    z.strictObject({
      agent: z.string(),
      step: z.string().nullable(),
      phase: z.string().nullable(),
      status: z.enum(['assigned', 'working', 'blocked', 'done']),
      note: z.string().nullable(),
      by: z.string(),
      at: z.string(),
    }),
  ),
  handoffs: z.array(
    z.strictObject({
      id: z.string(),
      from: z.strictObject({ agent: z.string(), step: z.string().nullable() }),
      to: z.strictObject({ agent: z.string(), step: z.string() }),
      artifacts: z.array(ArtifactRefView),
      reason: z.string(),
      instruction: z.string().optional(),
      completionCriteria: z.array(z.string()).optional(),
      knownRisks: z.array(z.string()).optional(),
      role: z.strictObject({ name: z.string(), constraints: z.string() }).optional(),
      by: z.string(),
      at: z.string(),
      status: z.enum(['queued', 'accepted']),
      acceptedAt: z.string().nullable(),
    }),
  ),
  risks: z.array(RiskViewSchema),
  revision: z.number().int(),
  events: z.number().int(),
  updatedAt: z.string(),
  steps: z.array(
    z.strictObject({
      step: z.string(),
      status: z.string(),
      phase: z.string(),
      capability: z.string().nullable(),
      attempts: z.number().int(),
      error: z.string().nullable(),
      output: z.unknown(),
      tokens: Tokens.optional(),
    }),
  ),
  tokens: Tokens.optional(),
  artifacts: z.array(
    z.strictObject({
      name: z.string(),
      sha256: z.string(),
      bytes: z.number().int(),
      step: z.string(),
      sealed: z.boolean(),
    }),
  ),
});

const PreflightOutput = z.strictObject({
  runnable: z.boolean(),
  text: z.string(),
  report: PreflightReportSchema,
});

function stepRows(state: RunState): z.output<typeof RunStateOutput>['steps'] {
  return Object.values(state.steps).map((step) => ({
    step: step.id,
    status: step.status,
    phase: state.phases[step.phase]?.id ?? '',
    capability: step.capability,
    attempts: step.attempts,
    error: step.error?.message ?? null,
    output: step.status === 'succeeded' ? step.output : null,
    ...(state.stepTokens.has(step.id) && { tokens: state.stepTokens.get(step.id) }),
  }));
}

export function registerRunTools(server: McpServer, session: McpSession): void {
  const { baton, principal } = session;

  defineTool(
    server,
    session,
    {
      name: 'list_runs',
      title: 'List runs',
      description:
        "The workspace's most recent runs, newest first, each with its status (`waiting` or `paused` when it is running but cannot go on by itself) and the ids of the decisions it waits for. `search` keeps the runs whose id, plan name or objective contains a text.",
      scope: Scope.read,
      input: args({
        limit: z.number().int().min(1).max(200).optional().describe('How many runs (default 20)'),
        search: z
          .string()
          .max(
            RUN_SEARCH_MAX_LENGTH,
            `a run search is at most ${RUN_SEARCH_MAX_LENGTH} characters (a run id, a plan name or words of an objective)`,
          )
          .optional()
          .describe('Only runs whose id, plan name or objective contains this text, ignoring case'),
      }),
      output: z.strictObject({
        runs: z.array(
          z.strictObject({
            runId: z.string(),
            name: z.string(),
            status: z.string(),
            events: z.number().int(),
            createdAt: z.string(),
            updatedAt: z.string(),
            pending: z.array(z.string()),
          }),
        ),
      }),
      annotations: { readOnlyHint: true },
    },
    async ({ limit, search }) => {
      const records = await baton.listRuns({ limit: limit ?? 20, ...(search && { search }) });
      const runs = await Promise.all(
        records.map(async (record) => {
          const state = record.status === 'running' ? (await baton.getRun(record.runId)).state : null;
          const status = state ? displayStatus(state) : record.status;
          return {
            runId: record.runId,
            name: record.name,
            status,
            events: record.headSeq,
            createdAt: record.createdAt,
            updatedAt: record.updatedAt,
            pending: state ? [...state.pending.keys()] : [],
          };
        }),
      );
      const none = search
        ? `no run's id, plan name or objective contains "${search}"`
        : 'no runs yet in this workspace';
      return { value: { runs }, summary: runs.length === 0 ? none : `${runs.length} runs, newest first` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'get_run_state',
      title: "A run's state",
      description:
        "A run's pipeline state, projected from its verified ledger: status, pending decisions (with the commands that answer them), phases with readiness and gates, budget, recent routing, agents' latest reports and handoffs, the plan's risk register (each risk with its controls and whether the plan has each), every step (status, capability, attempts, error, output) and the run's artifacts.",
      scope: Scope.read,
      input: args({ runId: RunId }),
      output: RunStateOutput,
      annotations: { readOnlyHint: true },
    },
    async ({ runId }) => {
      const events = await verifiedEvents(baton, runId);
      const view = pipelineState(events);
      const state = events.reduce<RunState | undefined>(
        (folded, event) => evolve(folded, event),
        undefined,
      ) as RunState;
      const artifacts = [...state.artifacts.values()].map(({ name, sha256, bytes, step, sealed }) => ({
        name,
        sha256,
        bytes,
        step,
        sealed,
      }));
      const tokens = runTokens(state);
      const value = { ...view, steps: stepRows(state), ...(tokens && { tokens }), artifacts };
      return {
        value,
        summary: `run ${runId} (${view.name}) is ${view.status}${view.pending.length > 0 ? `; waiting for ${view.pending.map((p) => p.id).join(', ')}` : ''}`,
      };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'dry_run',
      title: 'Pre-flight a plan',
      description:
        "What a plan would do under its constraints, without running it: each step's route with every candidate and its reason, minimum and worst-case cost, budget, deadline, phases and gates, confirmations, the risk register, and the problems that would make submit_plan refuse it. Give the plan one way: `plan`, `source` or `file`. Writes nothing.",
      scope: Scope.read,
      input: args(PlanArgs),
      output: PreflightOutput,
      annotations: { readOnlyHint: true },
    },
    async (given) => {
      const report = await baton.preflight(await planArgument(session, given));
      const runnable = report.problems.length === 0;
      return {
        value: { runnable, text: formatPreflight(report), report },
        summary: runnable
          ? `plan "${report.plan}" can run`
          : `plan "${report.plan}" would be refused: ${report.problems.join('; ')}`,
      };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'submit_plan',
      title: 'Submit a plan',
      description:
        "Validates a plan and its inputs, runs the pre-flight (a plan that cannot run is refused and nothing is written), creates the run (recording the session's principal) and conducts it in this server. Waits up to `waitSeconds` (default 10) for it to end or to stop for a person or a signal, then reports where it is; a run still going goes on in the server (follow it with get_run_state). While it waits, a request with a progressToken gets the partial text of streamed model answers as progress notifications (`step attemptId: text so far`, a few a second, redacted; not recorded). A plan that declares capabilities other than `human` (commands, HTTP services, models, MCP tools: they act as the server's user, on its machine and network) needs the admin scope. Give the plan one way: `plan`, `source` or `file`. With `runId` of an existing run created from the same plan and inputs, that run is continued.",
      scope: Scope.operate,
      input: args({
        ...PlanArgs,
        inputs: z
          .record(z.string(), z.unknown())
          .optional()
          .describe("The plan's inputs, typed as the plan declares them"),
        runId: z.string().min(1).max(128).optional().describe('Choose the run id (default: a new one)'),
        correlationId: z
          .string()
          .optional()
          .describe(
            "The run's correlation id, a W3C trace id (32 lowercase hex, not all zeros), e.g. the caller's trace id; recorded in run.created and carried to every capability call. Default: the trace id of the request's `_meta.traceparent` if it has one, else a new one",
          ),
        waitSeconds: WaitSeconds,
      }),
      output: RunOutcome,
    },
    async ({ plan, source, file, inputs, runId, correlationId: given, waitSeconds }, { progress, traceparent }) => {
      // Checked first: a bad id writes nothing.
      const correlationId = runCorrelationId(given, traceparent);
      const run = await baton.admit(
        planSource(session, { plan, source, file }),
        { inputs: (inputs ?? {}) as Record<string, Json> },
        { authorize: (checked) => requirePlanScope(checked, session.scopes, principal, 'submit') },
      );
      const handle = await baton.submit(run, {
        by: principal,
        ...(runId !== undefined && { runId }),
        ...(correlationId !== undefined && { correlationId }),
      });
      const outcome = await awaitOutcome(baton, handle, waitSeconds, progress);
      return { value: outcome, summary: outcomeSummary(outcome) };
    },
  );
}

/**
 * The correlation id a submitted run gets: the one the arguments name, else the trace id of the
 * request's `_meta.traceparent` (how an MCP client carries its trace), else none (the engine
 * makes one). Both given and different is a contradiction, refused rather than resolved by a
 * rule the caller cannot see; a malformed `traceparent` is refused as HTTP refuses the header.
 */
function runCorrelationId(given: string | undefined, traceparent: string | undefined): string | undefined {
  const fromArguments = given === undefined ? undefined : checkCorrelationId(given);
  const fromMeta = traceparent === undefined ? undefined : parseTraceparent(traceparent, '_meta.traceparent').traceId;
  if (fromArguments !== undefined && fromMeta !== undefined && fromArguments !== fromMeta)
    throw new BatonError(
      ErrorCode.badInput,
      `correlationId ${fromArguments} differs from the trace id of _meta.traceparent (${fromMeta}); give one of them, or the same id in both`,
    );
  return fromArguments ?? fromMeta;
}
