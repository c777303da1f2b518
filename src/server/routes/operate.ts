import type { BatonEvent } from '../../core/index.js';
import { parseUntil, type OperatorOptions } from '../../engine/index.js';
import { readPlan } from '../plan-input.js';
import { RunParams, StepParams } from '../schemas/common.js';
import { RecordedResponse } from '../schemas/events.js';
import {
  DecisionBody,
  DeferBody,
  OverrideBody,
  ReasonBody,
  ResultBody,
  RevertBody,
  ReviseBody,
  SealBody,
  SignalBody,
  StatementBody,
  StatementResponse,
} from '../schemas/operate.js';
import { defineRoute, type AppContext, type Principal, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const ACCEPTED = {
  202: {
    description: 'recorded (or handed to the engine conducting the run, which records it at its next round)',
    schema: RecordedResponse,
  },
};

function recorded(c: AppContext, runId: string, event: BatonEvent): Response {
  return c.json({ runId, event }, 202);
}

/** The principal is who the ledger says acted: never taken from the body. */
function by(principal: Principal, comment?: string, signature?: OperatorOptions['signature']): OperatorOptions {
  return { by: principal.by, ...(comment !== undefined && { comment }), ...(signature !== undefined && { signature }) };
}

/**
 * The operator's commands (`baton approve`, `deny`, `submit`, `signal`, `pause`, `abort`,
 * `cancel`, `defer`, `revise`, `revert`, `seal`): each is checked against the run's state
 * and recorded as one signal with who sent it; a refused command writes nothing.
 */
export function operateRoutes({ baton }: RouteDeps): Route[] {
  const command = <B extends typeof ReasonBody>(
    path: string,
    operationId: string,
    summary: string,
    description: string,
    body: B,
    act: (runId: string, reason: string | undefined, principal: Principal) => Promise<BatonEvent>,
  ) =>
    defineRoute({
      method: 'post',
      path,
      operationId,
      tag: 'operate',
      summary,
      description,
      scope: 'operate',
      params: RunParams,
      body,
      responses: ACCEPTED,
      handle: async ({ c, params, body: given, principal }) =>
        recorded(c, params.id, await act(params.id, given.reason, principal)),
    });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/approvals',
      operationId: 'approve',
      tag: 'decisions',
      summary: 'Approve a pending decision',
      description:
        'Passes a gate (by phase), confirms a step, retries an escalated step, approves a plan revision (`plan:N`), or runs a halted handoff again (`handoff:N`), as `baton approve`.',
      scope: 'approve',
      params: RunParams,
      body: DecisionBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) =>
        recorded(
          c,
          params.id,
          await baton.approve(params.id, body.target, by(principal, body.comment, body.signature)),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/overrides',
      operationId: 'overrideGate',
      tag: 'decisions',
      summary: 'Override a pending gate',
      description:
        "Lets a pending gate through while a requirement does not hold, where the plan's `override: { approval_by }` names the token's principal (`token:NAME`), as `baton override`: recorded as `decision.made` with verdict `overridden` and the reason. 403 where the gate's override is `never`.",
      scope: 'approve',
      params: RunParams,
      body: OverrideBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) =>
        recorded(
          c,
          params.id,
          await baton.override(params.id, body.target, body.reason, by(principal, undefined, body.signature)),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/denials',
      operationId: 'deny',
      tag: 'decisions',
      summary: 'Deny a pending decision',
      description:
        'Refuses a gate, a confirmation or an escalation: the run (or the step) ends denied, as `baton deny`; denying a halted handoff (`handoff:N`) closes it and the run goes on.',
      scope: 'approve',
      params: RunParams,
      body: DecisionBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) =>
        recorded(c, params.id, await baton.deny(params.id, body.target, by(principal, body.comment, body.signature))),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/statements',
      operationId: 'actStatement',
      tag: 'decisions',
      summary: 'The statement to sign for an act',
      description:
        "What an approval, denial or override of `target` by the token's principal would be signed over if recorded now, for the key `keyId` (approve scope, as the acts): sign its UTF-8 bytes with the key's Ed25519 private key and send `signature: { keyId, value }` with the act. The engine rebuilds the statement when it records the act: a signature over an earlier state (other evidence) is refused. Writes nothing.",
      scope: 'approve',
      params: RunParams,
      body: StatementBody,
      responses: { 200: { description: 'the statement', schema: StatementResponse } },
      handle: async ({ c, params, body, principal }) =>
        c.json({
          statement: await baton.actStatement(params.id, body.target, body.verdict, {
            ...by(principal, body.comment),
            keyId: body.keyId,
          }),
        }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/results',
      operationId: 'submitResult',
      tag: 'decisions',
      summary: "Submit a person's result",
      description:
        "The output of a human step's task (perform scope), or of an escalated step in place of its capability (approve scope: it overrides the escalation), as `baton submit`. `approve` includes `perform`.",
      scope: 'perform',
      params: RunParams,
      body: ResultBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) =>
        recorded(
          c,
          params.id,
          await baton.submitResult(params.id, body.step, body.output, {
            ...by(principal),
            scopes: principal.scopes,
          }),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/signals',
      operationId: 'signal',
      tag: 'operate',
      summary: 'Send a signal',
      description: 'Steps with `await: {signal: NAME}` wait for it, as `baton signal`.',
      scope: 'operate',
      params: RunParams,
      body: SignalBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) =>
        recorded(c, params.id, await baton.signal(params.id, body.name, body.data ?? null, by(principal))),
    }),
    command(
      '/v1/runs/:id/pause',
      'pause',
      'Pause a run',
      'Running attempts finish; nothing new starts until `POST /v1/runs/{id}/resume`.',
      ReasonBody,
      (runId, reason, principal) => baton.pause(runId, { ...by(principal), ...(reason !== undefined && { reason }) }),
    ),
    command(
      '/v1/runs/:id/abort',
      'abort',
      'Abort a run',
      'Cancels running attempts, compensates completed steps newest first, ends the run `aborted`.',
      ReasonBody,
      (runId, reason, principal) => baton.abort(runId, { ...by(principal), ...(reason !== undefined && { reason }) }),
    ),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/steps/:step/cancel',
      operationId: 'cancelStep',
      tag: 'operate',
      summary: 'Cancel a step',
      description: 'Its running attempts stop; the step ends cancelled.',
      scope: 'operate',
      params: StepParams,
      body: ReasonBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) =>
        recorded(
          c,
          params.id,
          await baton.cancel(params.id, params.step, {
            ...by(principal),
            ...(body.reason !== undefined && { reason: body.reason }),
          }),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/steps/:step/defer',
      operationId: 'deferStep',
      tag: 'operate',
      summary: 'Defer a step',
      description: 'Holds a step that has not started until a time, a signal, or both.',
      scope: 'operate',
      params: StepParams,
      body: DeferBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) => {
        const until = {
          ...(body.until !== undefined && { at: parseUntil(body.until, Date.now(), 'until') }),
          ...(body.signal !== undefined && { signal: body.signal }),
        };
        return recorded(c, params.id, await baton.defer(params.id, params.step, until, by(principal)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/revisions',
      operationId: 'revise',
      tag: 'operate',
      summary: 'Revise the plan of a running run',
      description:
        'Appends a new plan revision; steps that did not change keep their results. A plan with command capabilities needs the admin scope.',
      scope: 'operate',
      params: RunParams,
      body: ReviseBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) => {
        const plan = readPlan(baton, body.plan);
        return recorded(
          c,
          params.id,
          await baton.revise(params.id, plan, { ...by(principal), scopes: principal.scopes }),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/revert',
      operationId: 'revert',
      tag: 'operate',
      summary: 'Revert to an earlier plan revision',
      description:
        'Recorded as a new revision equal to the earlier one; nothing is deleted. An earlier plan with command capabilities needs the admin scope.',
      scope: 'operate',
      params: RunParams,
      body: RevertBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) =>
        recorded(c, params.id, await baton.revert(params.id, body.to, { ...by(principal), scopes: principal.scopes })),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/runs/:id/seals',
      operationId: 'seal',
      tag: 'operate',
      summary: 'Seal an artifact',
      description: 'Records its hash: any later change to it fails verification.',
      scope: 'operate',
      params: RunParams,
      body: SealBody,
      responses: ACCEPTED,
      handle: async ({ c, params, body, principal }) =>
        recorded(c, params.id, await baton.seal(params.id, body.artifact, by(principal))),
    }),
  ];
}
