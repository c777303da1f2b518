import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Json, PendingDecision } from '../../core/index.js';
import { actSignatureSchema } from '../../engine/index.js';
import { pendingWithAnswers } from '../../ledger/index.js';
import { defineTool } from '../define-tool.js';
import { recorded } from '../run-views.js';
import { args, PendingView, RunId, Recorded } from '../schemas.js';
import { Scope } from '../scopes.js';
import type { McpSession } from '../session.js';

const ActSignatureSchema = actSignatureSchema();

/**
 * What waits for a person, and the answers. Gates, confirmations and escalations are there to
 * stop the work until a person looks, and a `human` step's task is reserved for a person (a
 * plan uses one for a review, a sign-off): answering any of them needs the `approve` scope,
 * which a local client does not have unless it was granted. Only signal waits are answered
 * with `operate`: a signal is news from outside, not a person's judgement.
 */

/** How many running runs list_pending_decisions looks through when not given one. */
const RUNS_LOOKED_AT = 100;

/** The MCP tools that answer a pending decision, and the scope they need. */
function toolsFor(decision: PendingDecision): {
  tools: string[];
  scope: typeof Scope.operate | typeof Scope.perform | typeof Scope.approve;
  signals: string[];
} {
  switch (decision.kind) {
    case 'gate':
    case 'confirm':
    case 'plan':
    case 'handoff':
      return { tools: ['approve', 'deny'], scope: Scope.approve, signals: [] };
    case 'escalation':
      return { tools: ['approve', 'deny', 'submit_result'], scope: Scope.approve, signals: [] };
    case 'human':
      return { tools: ['submit_result'], scope: Scope.perform, signals: [] };
    case 'signal':
      return {
        tools: ['signal'],
        scope: Scope.operate,
        signals: (decision.detail as { signals?: string[] } | undefined)?.signals ?? [],
      };
  }
}

/** A pending decision as get_run_state shows it, plus how an MCP client answers it. */
const Decision = PendingView.extend({
  runId: z.string(),
  /** The MCP tools that answer it and the scope they need; for a signal wait, the signals it waits for. */
  tools: z.array(z.string()),
  scope: z.enum(['operate', 'perform', 'approve']),
  signals: z.array(z.string()),
});

const Signature = ActSignatureSchema.optional().describe(
  'The act signed with a key registered for the session principal; required for approve and override_gate when that principal has a key in force (else refused, nothing recorded)',
);

const Verdict = args({
  runId: RunId,
  target: z
    .string()
    .min(1)
    .max(300)
    .describe('A phase (its gate), a step (its confirmation or escalation), or a decision id such as gate:execution'),
  comment: z.string().max(10_000).optional().describe('Why, recorded with the decision'),
  signature: Signature,
});

export function registerDecisionTools(server: McpServer, session: McpSession): void {
  const { baton, principal } = session;

  defineTool(
    server,
    session,
    {
      name: 'list_pending_decisions',
      title: 'List pending decisions',
      description:
        "What runs wait for from outside: gates, confirmations and escalations (approve or deny) (which need the approve scope) and people's tasks (submit_result, perform scope), and signal waits (signal, operate scope). For one run, or for every running run among the 100 most recent.",
      scope: Scope.read,
      input: args({ runId: RunId.optional().describe('One run (default: every running run)') }),
      output: z.strictObject({ decisions: z.array(Decision) }),
      annotations: { readOnlyHint: true },
    },
    async ({ runId }) => {
      const ids =
        runId !== undefined
          ? [runId]
          : (await baton.listRuns({ status: 'running', limit: RUNS_LOOKED_AT })).map((run) => run.runId);
      const decisions: z.output<typeof Decision>[] = [];
      for (const id of ids) {
        const { state } = await baton.getRun(id);
        const pending = [...state.pending.values()];
        pendingWithAnswers(id, pending, state).forEach((view, i) =>
          decisions.push({ runId: id, ...view, ...toolsFor(pending[i] as PendingDecision) }),
        );
      }
      return {
        value: { decisions },
        summary:
          decisions.length === 0
            ? 'nothing is pending'
            : `${decisions.length} pending: ${decisions.map((d) => `${d.runId} ${d.id}`).join(', ')}`,
      };
    },
  );

  for (const verdict of ['approve', 'deny'] as const) {
    defineTool(
      server,
      session,
      {
        name: verdict,
        title: verdict === 'approve' ? 'Approve a pending decision' : 'Deny a pending decision',
        description:
          verdict === 'approve'
            ? 'Approves a pending gate (by phase), confirmation or escalation (by step), recorded with the session principal and the comment: the gate opens, the step is dispatched, the escalated step is tried again. Needs the approve scope: these are decisions for a person, and an agent must not pass its own gates.'
            : 'Denies a pending gate, confirmation or escalation: a denied gate or confirmation ends the run denied (a step with on_failure: continue fails alone); a denied escalation fails the step. Needs the approve scope, like approve.',
        scope: Scope.approve,
        input: Verdict,
        output: Recorded,
        annotations: { destructiveHint: verdict === 'deny' },
      },
      async ({ runId, target, comment, signature }) => {
        const options = {
          by: principal,
          ...(comment !== undefined && { comment }),
          ...(signature !== undefined && { signature }),
        };
        const event =
          verdict === 'approve'
            ? await baton.approve(runId, target, options)
            : await baton.deny(runId, target, options);
        const value = recorded(runId, event);
        return {
          value,
          summary: `recorded: ${value.summary}; the engine conducting the run takes it in (if none is, call resume)`,
        };
      },
    );
  }

  defineTool(
    server,
    session,
    {
      name: 'override_gate',
      title: 'Override a pending gate',
      description:
        "Lets a pending gate through while one of its requirements does not hold, where the plan allows it: the gate's override: { approval_by: [...] } must name the session principal. Not an approval: recorded as decision.made with verdict overridden and the reason. Refused (nothing written) where the gate's override is never, the default of composed and evidence gates. Needs the approve scope.",
      scope: Scope.approve,
      input: args({
        runId: RunId,
        target: z
          .string()
          .min(1)
          .max(200)
          .describe('The phase whose gate to override, or its decision id (gate:PHASE)'),
        reason: z.string().min(1).max(10_000).describe('Why the gate may open anyway, recorded with the override'),
        signature: Signature,
      }),
      output: Recorded,
      annotations: { destructiveHint: false },
    },
    async ({ runId, target, reason, signature }) => {
      const options = { by: principal, ...(signature !== undefined && { signature }) };
      const value = recorded(runId, await baton.override(runId, target, reason, options));
      return {
        value,
        summary: `recorded: ${value.summary}; the engine conducting the run takes it in (if none is, call resume)`,
      };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'act_statement',
      title: 'The statement to sign for an act',
      description:
        "The exact text an approve, deny or override_gate of target by the session principal would be signed over if recorded now, for the key keyId (approve scope, as the acts): sign its UTF-8 bytes with that key's Ed25519 private key and pass signature { keyId, value } to the act. The engine rebuilds it when it records the act, so a signature over another state is refused. Writes nothing.",
      scope: Scope.approve,
      input: args({
        runId: RunId,
        target: Verdict.shape.target,
        verdict: z.enum(['approved', 'denied', 'overridden']).describe('The act to be signed'),
        keyId: z
          .string()
          .regex(/^[0-9a-f]{16}$/, 'a key id is 16 hex digits')
          .describe("The signing key's id"),
        comment: z
          .string()
          .max(10_000)
          .optional()
          .describe('The comment the act will carry (for override_gate, its reason): the statement covers it'),
      }),
      output: z.strictObject({ statement: z.string() }),
      annotations: { readOnlyHint: true },
    },
    async ({ runId, target, verdict, keyId, comment }) => {
      const statement = await baton.actStatement(runId, target, verdict, {
        by: principal,
        keyId,
        ...(comment !== undefined && { comment }),
      });
      return { value: { statement }, summary: statement };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'submit_result',
      title: "Submit a person's result",
      description:
        "The result of a step that waits for a person: a `human` step's task, or an escalated step's output given in place of a capability (it overrides the escalation). Needs the perform scope for a human step's task and the approve scope for an escalated step (approve includes perform): work reserved for a person is not done by an agent unless it was granted. The output is JSON; the step succeeds with it.",
      scope: Scope.perform,
      input: args({
        runId: RunId,
        step: z.string().min(1).max(300).describe('The step (or for_each item, such as review[2])'),
        output: z
          .unknown()
          .refine((value) => value !== undefined, 'output is required: the result as JSON (null is allowed)')
          .describe('The result, as JSON'),
      }),
      output: Recorded,
    },
    async ({ runId, step, output }) => {
      const event = await baton.submitResult(runId, step, (output ?? null) as Json, {
        by: principal,
        scopes: session.scopes,
      });
      const value = recorded(runId, event);
      return {
        value,
        summary: `recorded: ${value.summary}; the engine conducting the run takes it in (if none is, call resume)`,
      };
    },
  );
}
