import { DecisionKind, decisionId } from '../decision-id.js';
import type { BatonEvent, EscalationRetry } from '../events.js';
import type { Json } from '../json.js';
import { stepOf, type RunState } from '../state.js';
import { escalationRetryOf } from './escalation-retry.js';
import { evolveAgents } from './evolve-agents.js';
import { haltedHandoffReason, pendingHaltFor } from './halted-handoff.js';
import { prerequisiteKey } from './gate-requirements.js';
import { evolveReplan, isProposal } from './replan.js';
import { revise } from './revise.js';

type GovernanceEvent = Exclude<
  BatonEvent,
  {
    type:
      | 'run.created'
      | 'run.resumed'
      | 'run.divergence_accepted'
      | 'step.skipped'
      | 'step.routed'
      | 'step.rerouted'
      | 'capability.unavailable'
      | 'capability.available'
      | 'step.expanded'
      | 'attempt.dispatched'
      | 'attempt.succeeded'
      | 'attempt.failed'
      | 'attempt.abandoned'
      | 'attempt.tool_called'
      | 'attempt.held'
      | 'attempt.retry_scheduled'
      | 'attempt.accepted'
      | 'attempt.cancelled'
      | 'attempt.rejected'
      | 'step.succeeded'
      | 'step.failed'
      | 'context.recorded'
      | 'step.cancelled'
      | 'run.succeeded'
      | 'run.failed'
      | 'run.denied'
      | 'run.aborted'
      | 'run.timed_out';
  }
> & { at: string };

/** Where a held step goes back to once what it waited for came: ready to be decided on again. */
/** Whether the phase's gate is a composed one (`gate: { all: [...] }`). */
function isComposedGate(state: RunState, phase: string | null): boolean {
  const gate = state.phases.find((candidate) => candidate.id === phase)?.gate;
  return gate !== null && gate !== undefined && 'all' in gate;
}

function release(state: RunState, stepId: string): void {
  const step = stepOf(state, stepId);
  if (step.status === 'awaiting' || step.status === 'escalated') {
    step.status = step.instances.length > 0 && step.capability !== null ? 'running' : 'ready';
    if (step.status === 'ready') state.ready.add(stepId);
  }
}

/**
 * Folds the governance events: operators' commands and answers (signals) and the
 * conductor's governance decisions. Like `evolve`, it updates the state in place.
 */
export function evolveGovernance(state: RunState, event: GovernanceEvent): RunState {
  switch (event.type) {
    case 'decision.requested': {
      const { id, kind, step, phase, reason, detail } = event.data;
      const retry = escalationRetryOf(event.data);
      state.pending.set(id, {
        id,
        kind,
        step,
        phase,
        reason,
        ...(detail !== undefined && { detail }),
        ...(retry !== undefined && { retry }),
        since: event.at,
      });
      if (step !== null && (kind === 'confirm' || kind === 'signal' || kind === 'escalation')) {
        const held = stepOf(state, step);
        held.status = kind === 'escalation' ? 'escalated' : 'awaiting';
        state.ready.delete(step);
      }
      return state;
    }
    case 'decision.made': {
      const pending = state.pending.get(event.data.id);
      // Only a gate can be overridden (the operator offers nothing else); anything else is no answer.
      if (!pending || (event.data.verdict === 'overridden' && pending.kind !== 'gate')) return state;
      // A composed gate's decision stays pending until the gate opens (phase.opened) or is denied:
      // approvals are counted towards it one person at a time, with no conductor needed in between.
      const composed = pending.kind === 'gate' && isComposedGate(state, pending.phase);
      if (!composed || event.data.verdict === 'denied') state.pending.delete(pending.id);
      const { by, comment } = event.data;
      if (event.data.verdict === 'denied' && isProposal(state, pending.id)) {
        state.replan.proposal = null; // the run goes on under its plan; the escalation still waits
        return state;
      }
      if (event.data.verdict === 'denied') {
        // Denying a halted handoff closes it; the conductor has nothing to do about it.
        if (pending.kind !== 'handoff') state.denials.push({ id: pending.id, by, comment });
        return state;
      }
      if (event.data.verdict === 'submitted') {
        state.submissions.set(pending.id, event.data.output ?? null);
        return state;
      }
      const { evidence, signature, account } = event.data;
      const approval = {
        by,
        comment,
        ...(evidence !== undefined && { evidence }),
        ...(signature !== undefined && { keyId: signature.keyId }),
        ...(account !== undefined && { account }),
      };
      if (event.data.verdict === 'overridden') {
        state.overrides.set(pending.id, approval);
        return state;
      }
      state.approvals.set(pending.id, approval);
      if (pending.kind === 'gate') {
        // Distinct people: a second approval by the same principal counts once (the operator refuses it).
        const approvers = state.gateApprovals.get(pending.id) ?? [];
        if (!approvers.some((earlier) => earlier.by === by))
          state.gateApprovals.set(pending.id, [...approvers, approval]);
      }
      if (pending.kind === 'plan' && state.planApproval?.id === pending.id) state.planApproval = null;
      if (pending.kind === 'escalation' && pending.step !== null)
        retryEscalated(state, pending.step, pending.retry ?? { instances: [] });
      // A halted handoff names its receiving step, but answering it does not move the step.
      else if (pending.step !== null && pending.kind !== 'handoff') release(state, pending.step);
      return state;
    }
    case 'signal.received': {
      state.signals.set(event.data.name, event.data.data);
      for (const pending of [...state.pending.values()]) {
        if (pending.kind !== 'signal' || pending.step === null) continue;
        const names = (pending.detail as { signals?: string[] } | undefined)?.signals ?? [];
        if (names.includes(event.data.name)) {
          state.pending.delete(pending.id);
          release(state, pending.step);
        }
      }
      return state;
    }
    case 'run.paused':
      state.paused = { by: event.data.by, reason: event.data.reason };
      return state;
    case 'run.unpaused':
      state.paused = null;
      return state;
    case 'run.abort_requested':
      state.abort ??= { by: event.data.by, reason: event.data.reason };
      return state;
    case 'step.cancel_requested':
      state.cancelRequests.push({ step: event.data.step, by: event.data.by, reason: event.data.reason });
      return state;
    case 'step.deferred':
      state.deferred.set(event.data.step, {
        until: event.data.until === null ? null : Date.parse(event.data.until),
        signal: event.data.signal,
      });
      return state;
    case 'plan.revised':
      return revise(state, event);
    case 'replan.requested':
    case 'plan.proposed':
    case 'replan.failed':
      return evolveReplan(state, event);
    case 'artifact.sealed':
    case 'step.sealed': {
      const names =
        event.type === 'artifact.sealed'
          ? [event.data.artifact]
          : event.data.artifacts.map((artifact) => artifact.name);
      for (const name of names) {
        const artifact = state.artifacts.get(name);
        if (artifact) artifact.sealed = true;
      }
      return state;
    }
    case 'phase.opened': {
      const index = state.phases.findIndex((phase) => phase.id === event.data.phase);
      state.openPhase = Math.max(state.openPhase, index);
      state.transitionDenied = null;
      state.pending.delete(decisionId(DecisionKind.gate, event.data.phase));
      return state;
    }
    case 'prerequisite.checked':
      state.prerequisites.set(prerequisiteKey(event.data.phase, event.data), event.data);
      return state;
    case 'phase.transition_denied':
      state.transitionDenied = event.data.reason;
      return state;
    case 'consensus.reached':
    case 'consensus.judged':
      return state;
    case 'run.compensating':
      state.compensating = [...event.data.steps];
      return state;
    case 'step.compensated':
      state.reported.delete(`${event.data.step}/compensate`);
      state.compensating = (state.compensating ?? []).filter((step) => step !== event.data.step);
      if (event.data.ok) state.compensated.push(event.data.step);
      return state;
    case 'agent.status_reported':
    case 'agent.routed':
      return evolveAgents(state, event);
    case 'handoff.queued': {
      // The handoff went through after all: the question its halt raised is moot.
      const moot = state.haltedHandoffs > 0 ? pendingHaltFor(state, event.data.to) : undefined;
      if (moot !== undefined) state.pending.delete(moot);
      return evolveAgents(state, event);
    }
    case 'handoff.halted':
      state.haltedHandoffs += 1;
      state.pending.set(event.data.id, {
        id: event.data.id,
        kind: 'handoff',
        step: event.data.request.to.step,
        phase: null,
        reason: haltedHandoffReason(event.data),
        detail: event.data as unknown as Json,
        since: event.at,
      });
      return state;
  }
}

/**
 * "Approve" on an escalated step: try again. Its failed instances (or, after a consensus
 * disagreement, all its votes) are queued afresh with their retries renewed; attempt numbers
 * go on, so every attempt id stays unique. A step that could not be routed is decided on
 * from the start.
 */
function retryEscalated(state: RunState, stepId: string, retry: EscalationRetry): void {
  const step = stepOf(state, stepId);
  const again = retry.instances;
  if (again.length === 0) {
    step.status = 'ready';
    state.ready.add(stepId);
    return;
  }
  // After a judge found no agreement, the votes run again and the judge waits for them: its verdict is void.
  const revoting = again.some((key) => state.instances.get(key)?.role === 'vote');
  for (const key of again) {
    const instance = state.instances.get(key);
    if (!instance) continue;
    if (instance.role === 'judge' && revoting) {
      instance.status = 'cancelled';
      instance.report = null;
      state.reported.delete(key);
      state.backoff.delete(key);
      continue;
    }
    instance.status = 'queued';
    instance.failures = 0;
    instance.report = null;
    state.reported.delete(key);
    // A retry that escalated while waiting out its backoff is dispatched from the queue now, once.
    state.backoff.delete(key);
    state.queued.add(key);
  }
  step.succeededInstances = step.instances.filter((key) => state.instances.get(key)?.status === 'succeeded').length;
  step.status = 'running';
}
