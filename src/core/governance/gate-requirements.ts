import type { Gate, GateRequirement, PrerequisiteRequirement } from '../plan/schema.js';

/**
 * Every gate, old form or composed, read as one list of requirements that must all hold, and
 * who (if anyone) may let it through while one does not. The old single-key forms are a
 * composed gate of one requirement, with the override rule they always had except for
 * evidence: approving a gate whose evidence is missing no longer opens it.
 */

/** Whether a closed gate may be let through: `never`; by approving it (`approve`, the old forms); by an explicit override of these principals. */
export type GateOverrideRule = { kind: 'never' } | { kind: 'approve' } | { kind: 'override'; approvalBy: string[] };

export function gateRequirements(gate: Gate): GateRequirement[] {
  if ('all' in gate) return gate.all;
  return [gate];
}

/**
 * The override rule of a phase's gate. No gate, `{approval: true}` and `{policy}` are let
 * through by approving the pending decision (as they always were: the approval is the
 * override, and it also passes a partial phase before); `{evidence}` never (a deliberate
 * tightening: evidence is only as strong as what cannot bypass it; the operator refuses such an
 * approval, and the conductor still honours one an older ledger recorded, so it replays); a
 * composed gate by its `override`, `never` unless it names who may (enforced by both).
 */
export function gateOverrideRule(gate: Gate | null): GateOverrideRule {
  if (gate === null || 'approval' in gate || 'policy' in gate) return { kind: 'approve' };
  if ('evidence' in gate) return { kind: 'never' };
  const override = gate.override ?? 'never';
  return override === 'never' ? { kind: 'never' } : { kind: 'override', approvalBy: [...override.approval_by] };
}

/** How many distinct people must approve a composed gate (the largest count it asks for; 0 when none). */
export function approvalsRequired(gate: Gate | null): number {
  if (gate === null || !('all' in gate)) return 0;
  let count = 0;
  for (const requirement of gate.all)
    if ('approval' in requirement)
      count = Math.max(count, requirement.approval === true ? 1 : requirement.approval.count);
  return count;
}

/** The other runs' artifacts a gate requires. */
export function prerequisitesOf(gate: Gate | null): PrerequisiteRequirement[] {
  if (gate === null) return [];
  return gateRequirements(gate).flatMap((requirement) => ('requires' in requirement ? [requirement.requires] : []));
}

/** The key a prerequisite's checks are folded under, per phase: `design\u0000control-plane@latest\u0000cp/CP-21.md`. */
export function prerequisiteKey(phase: string, requirement: Pick<PrerequisiteRequirement, 'run' | 'artifact'>): string {
  return `${phase}\u0000${requirement.run}\u0000${requirement.artifact}`;
}
