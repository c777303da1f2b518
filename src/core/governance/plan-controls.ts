import type { Gate, Plan } from '../plan/schema.js';
import { round } from '../routing.js';

/** The governance a plan declares, in words: what pre-flight reports and the risk register checks. */

/** A gate as a person reads it: `approval by a person`, `policy \`...\``, `evidence: sealed build/report.json`. */
export function describeGate(gate: Gate | null): string | null {
  if (gate === null) return null;
  if ('approval' in gate) return 'approval by a person';
  if ('policy' in gate) return `policy \`${gate.policy}\``;
  const parts = [
    ...(gate.evidence.artifacts ?? []).map((name) => `sealed ${name}`),
    ...(gate.evidence.checks ?? []).map((step) => `${step} succeeded`),
  ];
  return `evidence: ${parts.join(', ') || 'none listed'}`;
}

/** A step waits for a person's yes: `confirm: true` on it, or listed in the run's `constraints.confirm`. */
export function needsConfirmation(plan: Plan, id: string): boolean {
  return plan.steps[id]?.confirm === true || (plan.constraints?.confirm ?? []).includes(id);
}

/** `$1.20`: cents when the amount is whole cents, else as many decimals as it has (up to 6). */
export function usd(amount: number): string {
  const value = round(amount);
  return Number.isInteger(Math.round(value * 1e6) / 1e4) ? `$${value.toFixed(2)}` : `$${String(value)}`;
}
