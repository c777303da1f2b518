import type { Gate, GateRequirement, PrerequisiteRequirement } from '../plan/schema.js';

/**
 * Every gate, old form or composed, read as one list of requirements that must all hold, and
 * who (if anyone) may let it through while one does not. The old single-key forms are a
 * composed gate of one requirement, with the override rule they always had except for
 * evidence: approving a gate whose evidence is missing no longer opens it.
 */

/**
 * Whether a closed gate may be let through: `never`; by approving it (`approve`, the old
 * forms); by an explicit override of these principals (`role`: they are that role's members,
 * as the run pinned them).
 */
export type GateOverrideRule =
  { kind: 'never' } | { kind: 'approve' } | { kind: 'override'; approvalBy: string[]; role?: string };

/** The members of each role a run's gates name, as `run.created` pinned them. */
export type RoleMembers = Readonly<Record<string, readonly string[]>>;

/** One `approval:` requirement of a composed gate: how many distinct people, and of which role (null: anyone). */
export interface ApprovalRule {
  count: number;
  role: string | null;
}

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
 * composed gate by its `override`, `never` unless it names who may (enforced by both). An
 * override by a role is by its members as the run pinned them (`roles`); none when it pinned none.
 */
export function gateOverrideRule(gate: Gate | null, roles: RoleMembers = {}): GateOverrideRule {
  if (gate === null || 'approval' in gate || 'policy' in gate) return { kind: 'approve' };
  if ('evidence' in gate) return { kind: 'never' };
  const override = gate.override ?? 'never';
  if (override === 'never') return { kind: 'never' };
  const by = override.approval_by;
  if (typeof by !== 'string') return { kind: 'override', approvalBy: [...by] };
  return { kind: 'override', approvalBy: [...(Object.hasOwn(roles, by) ? (roles[by] ?? []) : [])], role: by };
}

/** The `approval:` requirements of a composed gate, each with its count and role (none for the old forms). */
export function approvalRules(gate: Gate | null): ApprovalRule[] {
  if (gate === null || !('all' in gate)) return [];
  return gate.all.flatMap((requirement) =>
    'approval' in requirement
      ? [
          requirement.approval === true
            ? { count: 1, role: null }
            : { count: requirement.approval.count, role: requirement.approval.role ?? null },
        ]
      : [],
  );
}

/** How many distinct people must approve a composed gate (the largest count it asks for; 0 when none). */
export function approvalsRequired(gate: Gate | null): number {
  return Math.max(0, ...approvalRules(gate).map((rule) => rule.count));
}

/**
 * The roles a plan's gates name (approvals and overrides), sorted: what `run.created` pins
 * the members of.
 * @example gateRoles(plan) // ['governor']
 */
export function gateRoles(gates: Iterable<Gate | null>): string[] {
  const roles = new Set<string>();
  for (const gate of gates) {
    for (const rule of approvalRules(gate)) if (rule.role !== null) roles.add(rule.role);
    const override = gate !== null && 'all' in gate ? gate.override : undefined;
    if (override !== undefined && override !== 'never' && typeof override.approval_by === 'string')
      roles.add(override.approval_by);
  }
  return [...roles].sort();
}

/**
 * Whether `by` counts towards an approval rule: anyone for a rule without a role, else only a
 * member of its role as the run pinned it (a role it did not pin has no members: fail closed).
 */
export function countsFor(rule: ApprovalRule, by: string, roles: RoleMembers): boolean {
  if (rule.role === null) return true;
  return Object.hasOwn(roles, rule.role) && (roles[rule.role] ?? []).includes(by);
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
