import { DecisionKind, decisionId } from '../decision-id.js';
import type { PrerequisiteRequirement } from '../plan/schema.js';
import type { Approval, RunState } from '../state.js';
import { gateOverrideRule, prerequisiteKey, prerequisitesOf, type OverrideHolders } from './gate-requirements.js';
import type { Escalation, PhaseState } from './phases.js';

/** Whether `by` is a member of `role` as the run pinned it in `run.created` (never as the registry is now). */
export function isRoleMember(state: RunState, role: string, by: string): boolean {
  return Object.hasOwn(state.roles, role) && (state.roles[role]?.includes(by) ?? false);
}

/** Whether `by` is among a gate override's holders: a principal it names, or a pinned member of its role. */
export function holdsOverride(state: RunState, holders: OverrideHolders, by: string): boolean {
  return 'role' in holders ? isRoleMember(state, holders.role, by) : holders.principals.includes(by);
}

/** Who may override, in words: `alice, bob`, or `the members of role governor (alice, bob)`. */
export function describeHolders(state: RunState, holders: OverrideHolders): string {
  if (!('role' in holders)) return holders.principals.join(', ');
  const members = state.roles[holders.role] ?? [];
  return `the members of role ${holders.role} (${members.length === 0 ? 'none pinned in this run' : members.join(', ')})`;
}

/** The distinct people who approved a phase's gate, in order. */
export function gateApprovalsOf(state: RunState, phase: string): Approval[] {
  return state.gateApprovals.get(decisionId(DecisionKind.gate, phase)) ?? [];
}

/**
 * What lets a phase's gate (or the partial phase before it) through while it is not open, if
 * anything: an override by a principal the gate names (`override: { approval_by }`), or, for
 * the gates that have always been let through by approving them (none, `approval`, `policy`,
 * and `evidence` for a partial phase only), that approval. A composed gate's approvals are
 * requirements, never an override. An override by someone the gate does not name lets nothing
 * through (fail closed; the operator refuses it before it is written).
 */
export function gateOverrideOf(state: RunState, phase: PhaseState): Escalation | undefined {
  const id = decisionId(DecisionKind.gate, phase.id);
  const rule = gateOverrideRule(phase.gate);
  const override = state.overrides.get(id);
  if (override && rule.kind === 'override' && holdsOverride(state, rule.by, override.by))
    return { approvedBy: override.by, comment: override.comment };
  if (phase.gate !== null && 'all' in phase.gate) return undefined;
  const approval = state.approvals.get(id);
  return approval ? { approvedBy: approval.by, comment: approval.comment } : undefined;
}

/** A prerequisite the engine is to check now, and record as `prerequisite.checked`. */
export interface DuePrerequisite {
  phase: string;
  requirement: PrerequisiteRequirement;
}

/**
 * The prerequisites of the next phase's gate that the engine must check before the conductor
 * decides on that gate: once the phase before is complete, each needs a check recorded at the
 * gate (the one at pre-flight is older than the work it lets through). For the first phase the
 * pre-flight check is the gate's: nothing ran in between. Pure, so every engine asks the same.
 * @example prerequisitesDue(state) // [{ phase: 'publish', requirement: { run: 'cp@latest', artifact: 'cp/CP-21.md', sealed: true } }]
 */
export function prerequisitesDue(state: RunState): DuePrerequisite[] {
  if (state.status !== 'running') return [];
  const index = state.openPhase + 1;
  const next = state.phases[index];
  if (!next) return [];
  const before = state.phases[index - 1];
  if (before && before.terminal < before.steps.length) return [];
  return prerequisitesOf(next.gate)
    .filter((requirement) => {
      const check = state.prerequisites.get(prerequisiteKey(next.id, requirement));
      return check === undefined || (before !== undefined && check.stage !== 'gate');
    })
    .map((requirement) => ({ phase: next.id, requirement }));
}
