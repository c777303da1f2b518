import type { Gate, GateRequirement, PrerequisiteRequirement } from '../plan/schema.js';

/**
 * Every gate, old form or composed, read as one list of requirements that must all hold, and
 * who (if anyone) may let it through while one does not. The old single-key forms are a
 * composed gate of one requirement, with the override rule they always had except for
 * evidence: approving a gate whose evidence is missing no longer opens it.
 */

/** Who may override a gate: the principals it names, or the members of a registry role. */
export type OverrideHolders = { principals: string[] } | { role: string };

/** Whether a closed gate may be let through: `never`; by approving it (`approve`, the old forms); by an explicit override of these holders. */
export type GateOverrideRule = { kind: 'never' } | { kind: 'approve' } | { kind: 'override'; by: OverrideHolders };

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
  if (override === 'never') return { kind: 'never' };
  const holders = override.approval_by;
  return { kind: 'override', by: typeof holders === 'string' ? { role: holders } : { principals: [...holders] } };
}

/** Approvals a composed gate asks for: `count` distinct people, members of `role` when it names one. */
export interface ApprovalNeed {
  count: number;
  role: string | null;
}

/**
 * What a composed gate's approval requirements ask for. Those without a role are one need, the
 * largest count among them (as they were before roles: counted once over the whole gate); each
 * with a role is a need of its own, met by that role's members only.
 * @example approvalNeeds({ all: [{ approval: { count: 2, role: 'governor' } }, { approval: true }] }) // [{ count: 1, role: null }, { count: 2, role: 'governor' }]
 */
export function approvalNeeds(gate: Gate | null): ApprovalNeed[] {
  if (gate === null || !('all' in gate)) return [];
  let anyone = 0;
  const byRole: ApprovalNeed[] = [];
  for (const requirement of gate.all) {
    if (!('approval' in requirement)) continue;
    const approval = requirement.approval;
    if (approval !== true && approval.role !== undefined) byRole.push({ count: approval.count, role: approval.role });
    else anyone = Math.max(anyone, approval === true ? 1 : approval.count);
  }
  return anyone > 0 ? [{ count: anyone, role: null }, ...byRole] : byRole;
}

/** How many distinct people must approve a composed gate at least (the largest count it asks for; 0 when none). */
export function approvalsRequired(gate: Gate | null): number {
  return Math.max(0, ...approvalNeeds(gate).map((need) => need.count));
}

/** The registry roles a gate names, in its approvals and its override: the ones a run pins. */
export function rolesOfGate(gate: Gate | null): string[] {
  const roles = new Set(approvalNeeds(gate).flatMap((need) => (need.role === null ? [] : [need.role])));
  const rule = gateOverrideRule(gate);
  if (rule.kind === 'override' && 'role' in rule.by) roles.add(rule.by.role);
  return [...roles];
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
