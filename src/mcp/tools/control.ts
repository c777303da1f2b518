import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Json } from '../../core/index.js';
import { defineTool } from '../define-tool.js';
import { awaitOutcome, outcomeSummary, recorded } from '../run-views.js';
import { args, Recorded, RunId, RunOutcome, WaitSeconds } from '../schemas.js';
import { Scope } from '../scopes.js';
import type { McpSession } from '../session.js';

/** Steering a run: signal it, pause it, resume it, abort it. Each is an operator's command in the ledger, by the session principal. */
export function registerControlTools(server: McpServer, session: McpSession): void {
  const { baton, principal } = session;
  const reason = z.string().max(10_000).optional().describe('Why, recorded in the ledger');

  defineTool(
    server,
    session,
    {
      name: 'signal',
      title: 'Send a signal',
      description:
        'Sends a named signal to a run: steps that `await` it go on (a step that only awaits outputs {signal, data}). Signals are facts of the run: one sent before a step awaits it still counts.',
      scope: Scope.operate,
      input: args({
        runId: RunId,
        name: z.string().min(1).max(200).describe('The signal (letters, digits, _, ., : and -)'),
        data: z.unknown().optional().describe('Data the signal carries, as JSON'),
      }),
      output: Recorded,
    },
    async ({ runId, name, data }) => {
      const event = await baton.signal(runId, name, (data ?? null) as Json, { by: principal });
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'pause',
      title: 'Pause a run',
      description: 'Holds a run: running attempts finish, nothing new starts, until resume lifts the pause.',
      scope: Scope.operate,
      input: args({ runId: RunId, reason }),
      output: Recorded,
    },
    async ({ runId, reason: why }) => {
      const event = await baton.pause(runId, { by: principal, ...(why !== undefined && { reason: why }) });
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'resume',
      title: 'Resume a run',
      description:
        "Continues a run that stopped: after a pause (lifted first, recorded with the session principal), after a person's decision was answered, or after the engine conducting it stopped. Nothing that succeeded runs again. Its recorded decisions are re-derived first: a run this version of the conductor would have decided differently is refused (integrity) naming the first divergent event, unless acceptDivergence is given. The server conducts it; waits up to `waitSeconds` (default 10) like submit_plan. For a run this server is still conducting, it waits for it the same way. Refused while another process conducts the run.",
      scope: Scope.operate,
      input: args({
        runId: RunId,
        waitSeconds: WaitSeconds,
        acceptDivergence: z
          .object({ reason: z.string().min(1).max(2_000).describe('Why the run may go on, recorded in the ledger') })
          .optional()
          .describe(
            "Go on although the run's ledger does not replay under this server's version of the conductor (else an integrity error names the first divergent event): recorded as run.divergence_accepted with the session principal and the reason",
          ),
      }),
      output: RunOutcome,
    },
    async ({ runId, waitSeconds, acceptDivergence }, { progress }) => {
      // A run this server still conducts is already continuing: resume then waits for it.
      const handle = await baton.resume(runId, {
        unpause: true,
        by: principal,
        ...(acceptDivergence && { acceptDivergence }),
      });
      const outcome = await awaitOutcome(baton, handle, waitSeconds, progress);
      const summary = handle.endedBefore
        ? `run ${runId} had already ${outcome.status}; nothing to resume`
        : outcomeSummary(outcome);
      return { value: outcome, summary };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'abort',
      title: 'Abort a run',
      description:
        'Stops a run: running attempts are cancelled, completed steps with `compensate` are compensated newest first, and the run ends aborted. The engine conducting the run carries it out (if none is, call resume).',
      scope: Scope.operate,
      input: args({ runId: RunId, reason }),
      output: Recorded,
      annotations: { destructiveHint: true },
    },
    async ({ runId, reason: why }) => {
      const event = await baton.abort(runId, { by: principal, ...(why !== undefined && { reason: why }) });
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );
}
