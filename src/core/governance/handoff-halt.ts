import { ConflictError } from '../errors.js';
import type { EventOf, Principal } from '../events.js';
import { DecisionKind, decisionId } from '../decision-id.js';
import type { RunState } from '../state.js';
import { ensureRunning, MAX_NAME, MAX_TEXT, requireText, type HandoffInput } from './agents.js';
import { handoffBrief } from './handoff-brief.js';

/** A halted handoff as the run keeps it: what was asked, where it halted, and what a governor made of it. */
export type HaltedHandoff = EventOf<'handoff.halted'>['data'] & {
  at: string;
  /**
   * `pending` until a governor answers: `retried` (approved: the handoff was run again) or
   * `closed` (denied); `superseded` when the same work was handed to the same agent meanwhile.
   */
  status: 'pending' | 'retried' | 'closed' | 'superseded';
};

/** At most this many artifact names are kept with a halted handoff: it names them, it is not an inventory. */
const MAX_ARTIFACTS = 100;

/**
 * The event that raises a halted handoff as a pending decision (`handoff:halted-N`) for a
 * governor: the request as it was given (trimmed and bounded, the brief as `handoffBrief` keeps
 * it), the step it halted at and why. Throws BatonError for a request that is itself bad input
 * (an empty reason, an unbounded name), and ConflictError for a run that has ended or for work
 * that is queued already to the same agent: none is a question for a governor, and nothing is written.
 * @example
 * haltHandoff(state, request, { failedAt: 'transition', error: 'phase "ship" is closed' }, 'agent:orchestrator')
 * // { type: 'handoff.halted', data: { id: 'halted-1', failedAt: 'transition', ... } }
 */
export function haltHandoff(
  state: RunState,
  input: HandoffInput,
  halt: { failedAt: string; error: string; retryOf?: string },
  by: Principal,
): EventOf<'handoff.halted'> {
  ensureRunning(state, 'raise a halted handoff');
  const queued = state.handoffs.find(
    (handoff) => handoff.status === 'queued' && handoff.to.agent === input.to.agent && handoff.to.step === input.to.step,
  );
  // The same work is handed on already: the halt was a second copy, with nothing for a governor to decide.
  if (queued) throw new ConflictError(`${queued.id} already hands step "${queued.to.step}" to "${queued.to.agent}"`);
  if (input.artifacts.length > MAX_ARTIFACTS)
    throw new ConflictError(`a handoff names at most ${MAX_ARTIFACTS} artifacts; this one names ${input.artifacts.length}`);
  const role = input.to.role == null ? undefined : requireText('to.role', input.to.role, MAX_NAME);
  return {
    type: 'handoff.halted',
    data: {
      id: `halted-${state.haltedHandoffs.length + 1}`,
      failedAt: halt.failedAt,
      error: halt.error.slice(0, MAX_TEXT),
      from: {
        agent: requireText('from.agent', input.from.agent, MAX_NAME),
        step: input.from.step == null ? null : requireText('from.step', input.from.step, MAX_NAME),
      },
      to: {
        agent: requireText('to.agent', input.to.agent, MAX_NAME),
        step: requireText('to.step', input.to.step, MAX_NAME),
        ...(role !== undefined && { role }),
      },
      artifacts: input.artifacts.map((name) => requireText('artifact', name, MAX_NAME)),
      reason: requireText('reason', input.reason, MAX_TEXT),
      ...handoffBrief(input),
      by,
      ...(halt.retryOf !== undefined && { retryOf: halt.retryOf }),
    },
  };
}

/** What the pending decision of a halted handoff says. */
export function haltedReason(halted: EventOf<'handoff.halted'>['data']): string {
  return `the handoff from ${halted.from.agent} to ${halted.to.agent} for step "${halted.to.step}" halted at ${halted.failedAt}: ${halted.error}; approve to retry it, deny to close it`;
}

/**
 * Folds `handoff.halted`: the run keeps it, and it waits as a pending decision until a governor
 * answers, or until the same work is handed to the same agent again (see `supersedeHalted`).
 */
export function evolveHalted(state: RunState, event: EventOf<'handoff.halted'> & { at: string }): RunState {
  // Asked again and halted again: only the latest halt of the same work waits for a governor.
  supersedeHalted(state, event.data.to);
  state.haltedHandoffs.push({ ...event.data, at: event.at, status: 'pending' });
  const id = decisionId(DecisionKind.handoff, event.data.id);
  state.pending.set(id, { id, kind: 'handoff', step: null, phase: null, reason: haltedReason(event.data), since: event.at });
  return state;
}

/** A governor's answer to a halted handoff: approved, it is run again (by the engine); denied, it is closed. */
export function answerHalted(state: RunState, decision: string, verdict: 'approved' | 'denied'): void {
  const target = decision.slice(`${DecisionKind.handoff}:`.length);
  const halted = state.haltedHandoffs.find((candidate) => candidate.id === target);
  if (halted) halted.status = verdict === 'approved' ? 'retried' : 'closed';
}

/**
 * A handoff queued (or halted again) to an agent for a step supersedes every halted handoff of
 * that step to that agent still pending: the agent asked again, so a governor is asked about
 * the latest attempt only, and about none once the work was handed on.
 */
export function supersedeHalted(state: RunState, to: { agent: string; step: string }): void {
  for (const halted of state.haltedHandoffs) {
    if (halted.status !== 'pending' || halted.to.agent !== to.agent || halted.to.step !== to.step) continue;
    halted.status = 'superseded';
    state.pending.delete(decisionId(DecisionKind.handoff, halted.id));
  }
}
