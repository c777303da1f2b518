import type { Gate, Plan } from '../plan/schema.js';
import { listSteps } from '../plan/step-list.js';

/**
 * Phases order a run: infrastructure is built and proven before execution uses it. A phase
 * opens only when the one before is complete and its gate passes; each transition is checked
 * by one pure function, `validatePhaseTransition`, so the rule is the same for the conductor,
 * the CLI and the MCP tool of the same name.
 */

export interface PhaseState {
  id: string;
  gate: Gate | null;
  onPartial: 'block' | 'continue';
  steps: string[];
  /** Steps of the phase that reached a final status, and how many of those failed. */
  terminal: number;
  failed: number;
  /** Steps that left `waiting`/`ready` (started, escalated, or held for a person). */
  started: number;
}

/**
 * `needed`: nothing has started; `building`: under way; `ready`: every step succeeded or was
 * skipped; `partial`: done, but some steps failed (`on_failure: continue`); `failed`: done and
 * every step failed.
 */
export type PhaseReadiness = 'needed' | 'building' | 'ready' | 'partial' | 'failed';

/** The default phases when steps name phases but the plan lists none. */
export const DEFAULT_PHASES = ['infrastructure', 'execution'] as const;
/** The one phase of a plan that uses none. */
export const IMPLICIT_PHASE = 'main';

export function phaseIds(plan: Plan): string[] {
  if (plan.phases) return plan.phases.map((phase) => (typeof phase === 'string' ? phase : phase.id));
  return listSteps(plan.steps).some((step) => step.phase !== undefined) ? [...DEFAULT_PHASES] : [IMPLICIT_PHASE];
}

export function phasesOf(plan: Plan): PhaseState[] {
  const declared = new Map(
    (plan.phases ?? []).map((phase) => (typeof phase === 'string' ? [phase, undefined] : [phase.id, phase])),
  );
  return phaseIds(plan).map((id) => {
    const phase = declared.get(id);
    return {
      id,
      gate: phase?.gate ?? null,
      onPartial: phase?.on_partial ?? 'block',
      steps: [],
      terminal: 0,
      failed: 0,
      started: 0,
    };
  });
}

export function phaseReadiness(phase: Pick<PhaseState, 'steps' | 'terminal' | 'failed' | 'started'>): PhaseReadiness {
  if (phase.terminal < phase.steps.length) return phase.started > 0 || phase.terminal > 0 ? 'building' : 'needed';
  if (phase.failed === 0) return 'ready';
  return phase.failed === phase.steps.length ? 'failed' : 'partial';
}

/** What a gate says right now. `approval` waits for a person; anything unknown is `closed`. */
export type GateVerdict = {
  status: 'open' | 'closed' | 'approval';
  reason: string;
  /** False when nobody may let the gate through while it is not open (`override: never`); absent when someone may. */
  overridable?: false;
};

/** What the transition rule looks at: each phase's readiness, partial policy and gate verdict. */
export interface TransitionView {
  phases: readonly { id: string; readiness: PhaseReadiness; onPartial: 'block' | 'continue'; gate: GateVerdict }[];
}

/** An operator's override of a closed gate or a partial phase, recorded in the ledger. */
export interface Escalation {
  approvedBy: string;
  comment?: string | null;
}

export type TransitionVerdict = { allowed: true; reason: string } | { allowed: false; reason: string };

/**
 * The phase transition table: phases open one after another, forward only, each when the one
 * before is complete (ready, or partial with `on_partial: continue`) and its own gate is open.
 * An operator's escalation approval may pass a closed gate or a partial phase, never skip a
 * phase or go back. Every denial names its reason.
 * @example validatePhaseTransition(view, 'infrastructure', 'execution') // { allowed: false, reason: 'phase "infrastructure" is not complete: ...' }
 */
export function validatePhaseTransition(
  view: TransitionView,
  from: string,
  to: string,
  escalation?: Escalation,
): TransitionVerdict {
  const ids = view.phases.map((phase) => phase.id);
  const fromIndex = ids.indexOf(from);
  const toIndex = ids.indexOf(to);
  if (fromIndex < 0) return { allowed: false, reason: `unknown phase "${from}"; phases: ${ids.join(', ')}` };
  if (toIndex < 0) return { allowed: false, reason: `unknown phase "${to}"; phases: ${ids.join(', ')}` };
  if (toIndex === fromIndex)
    return {
      allowed: false,
      reason: `"${to}" is already open: a phase opens once; to redo work, revise or revert the plan`,
    };
  if (toIndex < fromIndex)
    return {
      allowed: false,
      reason: `phases only move forward ("${to}" comes before "${from}"); to redo work, revise or revert the plan`,
    };
  if (toIndex > fromIndex + 1)
    return {
      allowed: false,
      reason: `"${to}" cannot open before "${ids[fromIndex + 1]}": phases open in order (${ids.join(' -> ')})`,
    };
  const source = view.phases[fromIndex] as TransitionView['phases'][number];
  const target = view.phases[toIndex] as TransitionView['phases'][number];
  const override = escalation
    ? ` (overridden by ${escalation.approvedBy}${escalation.comment ? `: ${escalation.comment}` : ''})`
    : '';
  switch (source.readiness) {
    case 'needed':
    case 'building':
      return { allowed: false, reason: `phase "${from}" is not complete (${source.readiness})` };
    case 'failed':
      if (!escalation) return { allowed: false, reason: `phase "${from}" failed: every step in it failed` };
      break;
    case 'partial':
      if (target.onPartial === 'block' && !escalation)
        return {
          allowed: false,
          reason: `phase "${from}" is partial (some steps failed) and "${to}" has on_partial: block`,
        };
      break;
    case 'ready':
      break;
  }
  // An escalation passes a partial phase before; it passes a gate that is not open only where the gate may be overridden.
  if (target.gate.status !== 'open' && (!escalation || target.gate.overridable === false))
    return {
      allowed: false,
      reason: `the gate of "${to}" is ${target.gate.status === 'approval' ? 'waiting for approval' : 'closed'}: ${target.gate.reason}${escalation ? ' (it cannot be overridden)' : ''}`,
    };
  if (escalation && (target.gate.status !== 'open' || source.readiness !== 'ready'))
    return {
      allowed: true,
      reason: `"${from}" is ${source.readiness} and the gate of "${to}" is ${target.gate.status}${override}`,
    };
  return { allowed: true, reason: `"${from}" is ${source.readiness}; ${target.gate.reason}` };
}
