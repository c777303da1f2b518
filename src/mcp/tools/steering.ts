import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { BatonError, ErrorCode } from '../../core/index.js';
import { parseUntil } from '../../engine/index.js';
import { defineTool } from '../define-tool.js';
import { planArgument, recorded } from '../run-views.js';
import { args, PlanArgs, Reason, Recorded, RunId, StepId } from '../schemas.js';
import { Scope } from '../scopes.js';
import type { McpSession } from '../session.js';

const SignalName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, 'a signal name is letters, digits, _, ., : and -')
  .max(200);

/**
 * Changing a run's course mid-run, as `baton cancel|defer|revise|revert` and the HTTP API do:
 * cancel a step, hold one back, give the run a new plan revision or go back to an earlier one.
 * Each is an operator's command in the ledger, by the session principal, under the operate
 * scope; a revision that declares capabilities acting on the server's machine needs admin,
 * checked by the engine (`requirePlanScope`) exactly as for the HTTP API.
 */
export function registerSteeringTools(server: McpServer, session: McpSession): void {
  const { baton, principal, scopes } = session;

  defineTool(
    server,
    session,
    {
      name: 'cancel_step',
      title: 'Cancel a step',
      description:
        'Stops one step of a running run: its running attempts are cancelled and it ends cancelled; steps after it follow the plan (skipped, or run where `after` allows). The engine conducting the run carries it out.',
      scope: Scope.operate,
      input: args({ runId: RunId, step: StepId, reason: Reason.optional().describe('Why, recorded in the ledger') }),
      output: Recorded,
      annotations: { destructiveHint: true },
    },
    async ({ runId, step, reason }) => {
      const event = await baton.cancel(runId, step, { by: principal, ...(reason !== undefined && { reason }) });
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'defer_step',
      title: 'Defer a step',
      description:
        'Holds a step that has not started until a time, a named signal, or both (whichever comes last). Give `until` (an ISO 8601 time, or a duration from now such as 90s, 10m, 2h), `signal`, or both.',
      scope: Scope.operate,
      input: args({
        runId: RunId,
        step: StepId,
        until: z
          .string()
          .min(1)
          .max(100)
          .optional()
          .describe('An ISO 8601 time, or a duration from now (90s, 10m, 2h)'),
        signal: SignalName.optional().describe('A signal the step waits for (send it with the signal tool)'),
      }),
      output: Recorded,
    },
    async ({ runId, step, until, signal }) => {
      if (until === undefined && signal === undefined)
        throw new BatonError(ErrorCode.badInput, 'give `until` (a time or a duration), `signal` (a name), or both');
      const hold = {
        ...(until !== undefined && { at: parseUntil(until, Date.now(), 'until') }),
        ...(signal !== undefined && { signal }),
      };
      const event = await baton.defer(runId, step, hold, { by: principal });
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'revise_plan',
      title: "Revise a run's plan",
      description:
        'Gives a running run a new plan revision, validated like submit_plan against the registry the run was admitted under: steps whose definition did not change keep their results, changed ones start afresh, and attempts of removed or changed steps are cancelled. A revision that declares capabilities other than `human` needs the admin scope. Give the plan one way: `plan`, `source` or `file`.',
      scope: Scope.operate,
      input: args({ runId: RunId, ...PlanArgs }),
      output: Recorded,
    },
    async ({ runId, plan, source, file }) => {
      const revised = await planArgument(session, { plan, source, file });
      const event = await baton.revise(runId, revised, { by: principal, scopes });
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'revert_plan',
      title: 'Revert to an earlier plan revision',
      description:
        "Makes an earlier plan revision the run's plan again, recorded as a new revision (nothing is deleted). 1 is the plan the run was created with. An earlier plan that declares capabilities other than `human` needs the admin scope.",
      scope: Scope.operate,
      input: args({
        runId: RunId,
        to: z.int().min(1).describe('The revision to go back to (1 is the plan the run was created with)'),
      }),
      output: Recorded,
    },
    async ({ runId, to }) => {
      const event = await baton.revert(runId, to, { by: principal, scopes });
      const value = recorded(runId, event);
      return { value, summary: `recorded: ${value.summary}` };
    },
  );
}
