import type { PlanIssue } from '../errors.js';
import { approvalsRequired } from './gate-requirements.js';
import type { Gate, Plan, RiskControl } from '../plan/schema.js';
import { knownList, suggest } from '../plan/suggest.js';
import { describeGate, needsConfirmation, usd } from './plan-controls.js';
import { stepScope } from './scope.js';
import { listStepIds } from '../plan/step-list.js';

/**
 * The risk register: a plan's `risks:` names what could go wrong and the controls of the plan
 * that mitigate each. A register that claims a control the plan does not have would mislead
 * whoever audits the run, so every control is checked against the plan itself: pre-flight
 * refuses a plan where one is missing, or where a risk lists none. Pure, and a function of the
 * plan alone, so a run shows the same mapping from its pinned plan revision on every surface.
 */

export const RISK_CONTROL_KINDS = ['gate', 'approval', 'check', 'budget', 'scope', 'confirm', 'consensus'] as const;
export type RiskControlKind = (typeof RISK_CONTROL_KINDS)[number];

/** One control of a risk as found in the plan. */
export interface RiskControlView {
  kind: RiskControlKind;
  /** The phase or step it names; null for a control of the whole run (`budget: true`, `scope: true`). */
  target: string | null;
  /** Whether the plan has it. */
  present: boolean;
  /** What the plan has, or what is missing, in words. */
  detail: string;
}

export interface RiskView {
  id: string;
  description: string;
  controls: RiskControlView[];
  /** It lists at least one control and every one is present. */
  mitigated: boolean;
}

function kindAndTarget(control: RiskControl): { kind: RiskControlKind; target: string | true } {
  const [kind, target] = Object.entries(control)[0] as [RiskControlKind, string | true];
  return { kind, target };
}

/** How a control reads in a message: `{ check: deploy }`, `{ budget: true }`. */
export function describeControl(control: Pick<RiskControlView, 'kind' | 'target'>): string {
  return `{ ${control.kind}: ${control.target ?? 'true'} }`;
}

/** A declared phase's gate (null when it has none), or undefined when the plan declares no such phase. */
function phaseGate(plan: Plan, id: string): Gate | null | undefined {
  const phase = plan.phases?.find((candidate) => (typeof candidate === 'string' ? candidate : candidate.id) === id);
  if (phase === undefined) return undefined;
  return typeof phase === 'string' ? null : (phase.gate ?? null);
}

/** Whether the plan has the control, and what it has or lacks. */
function findControl(plan: Plan, kind: RiskControlKind, target: string | true): Omit<RiskControlView, 'kind'> {
  const run = target === true;
  const found = (present: boolean, detail: string) => ({ target: run ? null : target, present, detail });
  if (kind === 'gate' || kind === 'approval') {
    const gate = phaseGate(plan, String(target));
    if (gate === undefined) return found(false, `the plan has no phase "${String(target)}"`);
    if (gate === null) return found(false, `phase "${String(target)}" has no gate`);
    if (kind === 'approval' && !('approval' in gate) && approvalsRequired(gate) === 0)
      return found(false, `phase "${String(target)}" is gated by ${describeGate(gate)}, not by a person's approval`);
    return found(true, `phase "${String(target)}" is gated by ${describeGate(gate)}`);
  }
  const { constraints } = plan;
  if (run) {
    if (kind === 'budget')
      return constraints?.budget_usd === undefined
        ? found(false, 'the run has no constraints.budget_usd')
        : found(true, `the run's budget_usd is ${usd(constraints.budget_usd)}`);
    return constraints?.scope === undefined
      ? found(false, 'the run has no constraints.scope')
      : found(true, `the run may touch only: ${constraints.scope.join(', ') || 'nothing'}`);
  }
  const step = plan.steps[target];
  if (step === undefined) return found(false, `the plan has no step "${target}"`);
  switch (kind) {
    case 'check':
      return step.check === undefined
        ? found(false, `step "${target}" has no \`check\``)
        : found(true, `step "${target}" is checked by capability "${step.check.capability}"`);
    case 'budget': {
      const own = step.constraints?.budget_usd;
      const runs = constraints?.budget_usd;
      if (own === undefined && runs === undefined)
        return found(false, `neither step "${target}" nor the run has constraints.budget_usd`);
      return own === undefined
        ? found(true, `step "${target}" works within the run's budget_usd ${usd(runs as number)}`)
        : found(true, `step "${target}" works within its own budget_usd ${usd(own)}`);
    }
    case 'scope': {
      const scope = stepScope(plan, target);
      return scope === null
        ? found(false, `neither step "${target}" nor the run has constraints.scope`)
        : found(true, `step "${target}" may touch only: ${scope.join(', ') || 'nothing'}`);
    }
    case 'confirm':
      return needsConfirmation(plan, target)
        ? found(true, `step "${target}" needs a person's yes before it is dispatched`)
        : found(false, `step "${target}" needs no confirmation (no \`confirm: true\`, not in constraints.confirm)`);
    default:
      return step.consensus === undefined
        ? found(false, `step "${target}" has no \`consensus\``)
        : found(
            true,
            `step "${target}" runs on ${step.consensus.n} capabilities that must agree (${step.consensus.agree})`,
          );
  }
}

/**
 * The plan's risks, each control looked up in the plan.
 * @example
 * riskRegister(plan).filter((risk) => !risk.mitigated).map((risk) => risk.id);
 */
export function riskRegister(plan: Plan): RiskView[] {
  return Object.entries(plan.risks ?? {}).map(([id, risk]) => {
    const controls = risk.controls.map((control) => {
      const { kind, target } = kindAndTarget(control);
      return { kind, ...findControl(plan, kind, target) };
    });
    return {
      id,
      description: risk.description,
      controls,
      mitigated: controls.length > 0 && controls.every((control) => control.present),
    };
  });
}

/** Pre-flight's problems with the register: each risk without controls, each control the plan lacks. */
export function riskProblems(register: readonly RiskView[]): string[] {
  return register.flatMap((risk) =>
    risk.controls.length === 0
      ? [
          `risk "${risk.id}": no control mitigates it; list under risks.${risk.id}.controls at least one of this plan's ${RISK_CONTROL_KINDS.join(', ')}`,
        ]
      : risk.controls
          .filter((control) => !control.present)
          .map(
            (control) =>
              `risk "${risk.id}": control ${describeControl(control)} is not present: ${control.detail}; add it to the plan, or take it out of the risk's controls`,
          ),
  );
}

/**
 * The register for a person, two lines and more per risk:
 * `leak: mitigated` / `  [x] { check: deploy }  step "deploy" is checked by capability "smoke"`.
 */
export function formatRisks(register: readonly RiskView[]): string[] {
  return register.flatMap((risk) => [
    `${risk.id}: ${risk.mitigated ? 'mitigated' : 'NOT MITIGATED'} — ${risk.description.replace(/\s+/g, ' ')}`,
    ...(risk.controls.length === 0
      ? ['  [ ] no control listed']
      : risk.controls.map(
          (control) => `  ${control.present ? '[x]' : '[ ]'} ${describeControl(control)}  ${control.detail}`,
        )),
  ]);
}

/**
 * Controls that name a phase or step the plan does not have, and controls listed twice; paths
 * point at the name (`risks.leak.controls[1].check`).
 */
export function riskIssues(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const stepIds = listStepIds(plan.steps);
  const phaseIds = (plan.phases ?? []).map((phase) => (typeof phase === 'string' ? phase : phase.id));
  for (const [id, risk] of Object.entries(plan.risks ?? {})) {
    const seen = new Set<string>();
    risk.controls.forEach((control, i) => {
      const { kind, target } = kindAndTarget(control);
      const path = ['risks', id, 'controls', i, kind];
      const shown = describeControl({ kind, target: target === true ? null : target });
      if (seen.has(shown)) issues.push({ path, message: `control ${shown} is listed twice in risk "${id}"` });
      seen.add(shown);
      if (target === true) return;
      if (kind === 'gate' || kind === 'approval') {
        if (phaseIds.includes(target)) return;
        issues.push({
          path,
          message:
            phaseIds.length === 0
              ? `the plan declares no \`phases:\`, so no phase "${target}" can have a gate; declare the phase with a gate under \`phases:\``
              : `unknown phase "${target}"${suggest(target, phaseIds)}; phases of this plan: ${knownList(phaseIds)}`,
        });
      } else if (!Object.hasOwn(plan.steps, target)) {
        issues.push({
          path,
          message: `unknown step "${target}"${suggest(target, stepIds)}; steps in this plan: ${knownList(stepIds)}`,
        });
      }
    });
  }
  return issues;
}
