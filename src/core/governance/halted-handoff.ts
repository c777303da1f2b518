import { DecisionKind, decisionId } from '../decision-id.js';
import type { EventOf, HaltedHandoffRequest, Principal } from '../events.js';
import type { RunState } from '../state.js';
import type { HandoffInput } from './agents.js';
import { handoffBrief } from './handoff-brief.js';

/**
 * A handoff that halted is a question for a person, not only an error for the agent that asked:
 * the work it was to hand on is stuck. It is raised as a pending decision (`handoff:N`) for a
 * governor, who approves it (the handoff runs again, as them) or denies it (it is closed). Only
 * a handoff to a step of a run still running is raised: a step the run does not have is the
 * asking agent's mistake, and an ended run has nothing left to hand on; one already pending for
 * the same receiving agent and step is not raised twice, and neither is a refusal because the
 * same handoff is queued already.
 * @example haltHandoff(state, request, 'transition', 'phase "ship" is not open', 'mcp:builder') // handoff.halted, id handoff:1
 */
export function haltHandoff(
  state: RunState,
  input: HandoffInput & { candidates?: HaltedHandoffRequest['candidates'] },
  failedAt: string,
  error: string,
  by: Principal,
): EventOf<'handoff.halted'> | undefined {
  if (state.status !== 'running' || !Object.hasOwn(state.steps, input.to.step)) return undefined;
  if (pendingHaltFor(state, input.to) !== undefined) return undefined;
  // Refused because the same handoff is queued already: the work is handed on, nothing is stuck.
  const queued = state.handoffs.some(
    (handoff) =>
      handoff.status === 'queued' && handoff.to.step === input.to.step && handoff.to.agent === input.to.agent,
  );
  if (queued) return undefined;
  const request: HaltedHandoffRequest = {
    from: { agent: input.from.agent, step: input.from.step ?? null },
    to: { agent: input.to.agent, step: input.to.step, ...(input.to.role != null && { role: input.to.role }) },
    artifacts: [...input.artifacts],
    reason: input.reason,
    ...(input.candidates && { candidates: input.candidates.map((candidate) => ({ ...candidate })) }),
    ...handoffBrief(input),
  };
  const id = decisionId(DecisionKind.handoff, String(state.haltedHandoffs + 1));
  return { type: 'handoff.halted', data: { id, request, failedAt, error, by } };
}

/**
 * The halted handoff already pending for the same receiving agent and step, if any: an agent
 * that asks again and again raises one question, not one per try.
 */
export function pendingHaltFor(state: RunState, to: { agent: string; step: string }): string | undefined {
  for (const pending of state.pending.values()) {
    if (pending.kind !== 'handoff') continue;
    const { request } = pending.detail as EventOf<'handoff.halted'>['data'];
    if (request.to.agent === to.agent && request.to.step === to.step) return pending.id;
  }
  return undefined;
}

/** The question a halted handoff raises, as `baton status` and every surface show it. */
export function haltedHandoffReason(data: EventOf<'handoff.halted'>['data']): string {
  const { from, to } = data.request;
  return `the handoff of step "${to.step}" from ${from.agent} to ${to.agent} halted at ${data.failedAt}: ${data.error}; approve to run it again, deny to close it`;
}
