import type { EventOf, HandoffParty } from '../events.js';
import type { AgentHandoff, RunState } from '../state.js';

type AgentEvent = (EventOf<'agent.status_reported'> | EventOf<'agent.routed'> | EventOf<'handoff.queued'>) & {
  at: string;
};

/** Where a report is kept: one latest report per step and per phase. */
export function reportKey(target: { step: string | null; phase: string | null }): string {
  return target.step !== null ? `step:${target.step}` : `phase:${target.phase ?? ''}`;
}

/**
 * Whether a report is the receiving agent taking up a queued handoff: the agent it was handed
 * to, on the step it was handed, saying anything but `assigned` (the handoff's own report).
 * The handoffs projection uses the same rule, so the two never disagree.
 */
export function takesUpHandoff(
  report: { agent: string; step: string | null; status: string },
  handoff: { to: HandoffParty },
): boolean {
  return (
    report.status !== 'assigned' &&
    report.step !== null &&
    report.step === handoff.to.step &&
    report.agent === handoff.to.agent
  );
}

/**
 * Folds what agents outside the engine recorded. None of it changes what the conductor
 * decides: steps, phases and pending decisions are untouched. A routing decision lives only in
 * the ledger (the routing log projects it), so it leaves the state as it is.
 */
export function evolveAgents(state: RunState, event: AgentEvent): RunState {
  switch (event.type) {
    case 'agent.status_reported': {
      const { agent, step, phase, status, note, by } = event.data;
      state.agentReports.set(reportKey(event.data), { agent, step, phase, status, note, by, at: event.at });
      for (const handoff of state.handoffs) {
        if (handoff.status === 'queued' && takesUpHandoff(event.data, handoff))
          Object.assign(handoff, { status: 'accepted', acceptedAt: event.at } satisfies Partial<AgentHandoff>);
      }
      return state;
    }
    case 'agent.routed':
      return state;
    case 'handoff.queued': {
      const { id, from, to, artifacts, reason, by, instruction, completionCriteria, knownRisks, role } = event.data;
      state.handoffs.push({
        id,
        from,
        to,
        artifacts,
        reason,
        ...(instruction !== undefined && { instruction }),
        ...(completionCriteria !== undefined && { completionCriteria }),
        ...(knownRisks !== undefined && { knownRisks }),
        ...(role !== undefined && { role }),
        by,
        at: event.at,
        status: 'queued',
        acceptedAt: null,
      });
      return state;
    }
  }
}
