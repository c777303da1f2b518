import type { Gate, GateRequirement, Plan } from '../plan/schema.js';
import { round } from '../routing.js';

/** The governance a plan declares, in words: what pre-flight reports and the risk register checks. */

/**
 * A gate as a person reads it: `approval by a person`, `policy \`...\``, `evidence: sealed
 * build/report.json`; a composed gate as its requirements joined by `and`, with its override.
 */
export function describeGate(gate: Gate | null): string | null {
  if (gate === null) return null;
  if (!('all' in gate)) return describeRequirement(gate);
  const override = gate.override ?? 'never';
  const holders = override === 'never' ? null : override.approval_by;
  const by =
    holders === null ? 'never' : typeof holders === 'string' ? `by role ${holders}` : `by ${holders.join(', ')}`;
  return `${gate.all.map(describeRequirement).join(' and ')} (override: ${by})`;
}

function describeRequirement(requirement: GateRequirement): string {
  if ('approval' in requirement) {
    const count = requirement.approval === true ? 1 : requirement.approval.count;
    const role = requirement.approval === true ? undefined : requirement.approval.role;
    if (role !== undefined)
      return `approval by ${count === 1 ? 'a member' : `${count} distinct members`} of role ${role}`;
    return count === 1 ? 'approval by a person' : `approval by ${count} distinct people`;
  }
  if ('policy' in requirement) return `policy \`${requirement.policy}\``;
  if ('requires' in requirement) return `sealed ${requirement.requires.artifact} of run ${requirement.requires.run}`;
  const parts = [
    ...(requirement.evidence.artifacts ?? []).map((name) => `sealed ${name}`),
    ...(requirement.evidence.checks ?? []).map((step) => `${step} succeeded`),
  ];
  return `evidence: ${parts.join(', ') || 'none listed'}`;
}

/** A step waits for a person's yes: `confirm: true` on it, or listed in the run's `constraints.confirm`. */
export function needsConfirmation(plan: Plan, id: string): boolean {
  return plan.steps[id]?.confirm === true || plan.constraints?.confirm?.includes(id) === true;
}

/** `$1.20`: cents when the amount is whole cents, else as many decimals as it has (up to 6). */
export function usd(amount: number): string {
  const value = round(amount);
  return Number.isInteger(Math.round(value * 1e6) / 1e4) ? `$${value.toFixed(2)}` : `$${String(value)}`;
}
