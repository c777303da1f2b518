import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { transitionView } from '../../core/index.js';
import { handoffRequestOf, handoffSchemas } from '../../engine/index.js';
import { defineTool } from '../define-tool.js';
import { recorded } from '../run-views.js';
import { AgentName, args, Reason, Recorded, RunId, StepId } from '../schemas.js';
import { Scope } from '../scopes.js';
import type { McpSession } from '../session.js';

const { HandoffReportSchema, HandoffRequestFields, RouteCandidatesSchema } = handoffSchemas();

/**
 * The orchestration tools: an agent outside the engine checks transitions, reports its
 * status, records its routing decisions and hands work to another agent, each checked against
 * the run's folded state first and recorded as a signal in the run's ledger with the
 * session's principal. None of them changes what the conductor decides.
 */

const PhaseView = z.strictObject({
  id: z.string(),
  readiness: z.enum(['needed', 'building', 'ready', 'partial', 'failed']),
  opened: z.boolean(),
  gate: z.strictObject({ status: z.enum(['open', 'closed', 'approval']), reason: z.string() }),
});

export function registerOrchestrationTools(server: McpServer, session: McpSession): void {
  const { baton, principal } = session;

  defineTool(
    server,
    session,
    {
      name: 'validate_phase_transition',
      title: 'Validate a phase transition',
      description:
        'Whether phase `to` may open now, coming from `from` (default: the phase open now), by the rule the conductor itself uses (validatePhaseTransition): phases open forward, one at a time, when the one before is complete and the gate is open (a recorded approval overrides a closed gate or a partial phase). Writes nothing. Also returns every phase with its readiness and gate.',
      scope: Scope.read,
      input: args({
        runId: RunId,
        to: z.string().min(1).describe('The phase to open'),
        from: z.string().min(1).optional().describe('The phase it would open after (default: the phase open now)'),
      }),
      output: z.strictObject({
        runId: z.string(),
        from: z.string().nullable(),
        to: z.string(),
        allowed: z.boolean(),
        reason: z.string(),
        currentPhase: z.string().nullable(),
        phases: z.array(PhaseView),
      }),
      annotations: { readOnlyHint: true },
    },
    async ({ runId, to, from }) => {
      const verdict = await baton.checkPhaseTransition(runId, to, from ?? null);
      const { state } = await baton.getRun(runId);
      const view = transitionView(state);
      const currentPhase = state.phases[state.openPhase]?.id ?? null;
      const phases = view.phases.map((phase, i) => ({
        id: phase.id,
        readiness: phase.readiness,
        opened: i <= state.openPhase,
        gate: { status: phase.gate.status, reason: phase.gate.reason },
      }));
      const value = {
        runId,
        from: from ?? currentPhase,
        to,
        allowed: verdict.allowed,
        reason: verdict.reason,
        currentPhase,
        phases,
      };
      return { value, summary: `${verdict.allowed ? 'allowed' : 'not allowed'}: ${verdict.reason}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'update_pipeline_state',
      title: "Report an agent's status",
      description:
        "Records an agent's status for one step or one phase of a run (exactly one of `step`, `phase`): assigned, working, blocked or done. It must agree with the ledger: `done` only for a step that succeeded (or a phase that is complete), no work on a step that has finished, `assigned`/`working` only where the phase is open or may open now. The pipeline state shows the latest report per step and phase; the conductor does not act on reports (a step's result comes from its capability, or from submit_result for a person's task). A report by the receiving agent takes up a handoff queued to it.",
      scope: Scope.operate,
      input: args({
        runId: RunId,
        agent: AgentName,
        step: StepId.optional().describe('The step the report is about'),
        phase: z.string().min(1).max(200).optional().describe('The phase the report is about'),
        status: z.enum(['assigned', 'working', 'blocked', 'done']),
        note: z.string().max(10_000).optional().describe('What the agent wants people and other agents to know'),
      }),
      output: Recorded,
    },
    async ({ runId, agent, step, phase, status, note }) => {
      const event = await baton.reportStatus(
        runId,
        { agent, step: step ?? null, phase: phase ?? null, status, note: note ?? null },
        { by: principal },
      );
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'append_routing_event',
      title: "Record an agent's routing decision",
      description:
        "Records an agent's routing decision for a step's work: who it gives the work to (`to`), why, and the candidates it weighed. Refused for a step that has finished, or when `to` is not among the candidates given. The routing log (resource baton://runs/{runId}/routing-log) shows it with the step, next to the conductor's own routes.",
      scope: Scope.operate,
      input: args({
        runId: RunId,
        agent: AgentName.describe('The agent that decided'),
        step: StepId.describe('The step whose work is routed'),
        to: AgentName.describe('The agent (or capability) the work goes to'),
        reason: Reason,
        candidates: RouteCandidatesSchema,
      }),
      output: Recorded,
    },
    async ({ runId, ...route }) => {
      const event = await baton.recordRoute(runId, route, { by: principal });
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'request_handoff',
      title: 'Hand work to another agent',
      description:
        "Hands work from one agent (and optionally the step it finished) to another agent for a step, in five steps, each checked against the run as it is then: (1) artifacts: every named artifact (`step/file`) is recorded in the run and its content is in the workspace's store with that hash; (2) transition: the handing step has succeeded (unless it hands its own step), phases only move forward, and the receiving step's phase is open or may open now (validate_phase_transition's rule); (3) state: the receiving step is recorded as `assigned` to the receiving agent; (4) routing: the decision is logged in the routing log; (5) queue: the handoff is queued (`handoff-N`), with its optional brief (instruction, completionCriteria, knownRisks; recorded verbatim after trimming), until the receiving agent reports on the step with update_pipeline_state. It halts at the first step that fails and reports every step's status: what was done stays done (it is in the ledger; nothing is rolled back). A halted handoff is an error result that still carries this report; when its receiving step is a step of the running run, it is also raised as a pending decision for a governor (`pending`: `handoff:N`, shown by list_pending_decisions): approving it runs the handoff again as the approver, denying it closes it, and it is withdrawn when the receiving step ends.",
      scope: Scope.operate,
      input: args({ runId: RunId, ...HandoffRequestFields }),
      output: HandoffReportSchema,
    },
    async ({ runId, ...given }) => {
      const { from, to } = given;
      const report = await baton.requestHandoff(runId, handoffRequestOf(given), { by: principal });
      const done = report.steps.filter((step) => step.status === 'done').map((step) => step.step);
      const summary = report.ok
        ? `${report.handoffId} queued: ${from.agent} → ${to.agent} for step "${to.step}"`
        : `handoff halted at ${report.failedAt}: ${report.error} (done before it, and kept: ${done.length === 0 ? 'nothing' : done.join(', ')})${report.pending === null ? '' : `; raised for a governor as ${report.pending}`}`;
      return { value: report, summary, isError: !report.ok };
    },
  );
}
