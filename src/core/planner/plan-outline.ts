import type { PreflightReport } from '../governance/preflight.js';
import { usd } from '../governance/plan-controls.js';
import type { Plan } from '../plan/schema.js';
import type { SkillReadiness } from './readiness.js';

/** One step of an outline: what it needs and where pre-flight would route it. */
export interface OutlineStep {
  step: string;
  /** The skill it needs, or `capability:ID` when it names one, or null (a pure trigger). */
  needs: string | null;
  /** The capability pre-flight routes it to, or null with `reason` saying why none. */
  route: string | null;
  reason: string;
  worstUsd: number;
  after: string[];
  builds?: string[];
  check?: string;
}

/** A drafted plan in brief: its phases and steps with their routes, its worst case, and the readiness a run starts at. */
export interface PlanOutline {
  name: string;
  phases: { id: string; gate: string | null; steps: OutlineStep[] }[];
  worstUsd: number;
  budgetUsd: number | null;
  readiness?: SkillReadiness;
}

/**
 * The outline of a plan from its pre-flight report: phases in order, each step's need and
 * route, the worst case, and (when skills were analysed) how many of those needed are present.
 * @example
 * planOutline(plan, preflight(plan, registry)).phases[0].steps[0].route // 'writer'
 */
export function planOutline(plan: Plan, report: PreflightReport, readiness?: SkillReadiness): PlanOutline {
  const byStep = new Map(report.steps.map((step) => [step.step, step]));
  return {
    name: plan.name,
    phases: report.phases.map((phase) => ({
      id: phase.id,
      gate: phase.gate,
      steps: phase.steps.map((id): OutlineStep => {
        const step = plan.steps[id];
        const routed = byStep.get(id);
        const needs = step?.skill ?? (step?.capability !== undefined ? `capability:${step.capability}` : null);
        const after = step?.after;
        return {
          step: id,
          needs,
          route: routed?.capability ?? null,
          reason: routed?.reason ?? '',
          worstUsd: routed?.worstUsd ?? 0,
          after: after === undefined ? [] : Array.isArray(after) ? after : 'any' in after ? after.any : after.of,
          ...(step?.builds !== undefined && { builds: step.builds }),
          ...(step?.check !== undefined && { check: step.check.capability }),
        };
      }),
    })),
    worstUsd: report.worstUsd,
    budgetUsd: report.budgetUsd,
    ...(readiness !== undefined && { readiness }),
  };
}

/**
 * The outline as text for a terminal.
 * @example
 * formatOutline(outline)
 * // plan "release" (worst case $0.12, budget $1.00)
 * // phase execution
 * //   notes  skill write -> writer  ($0.02)
 */
export function formatOutline(outline: PlanOutline): string {
  const lines = [
    `plan "${outline.name}" (worst case ${usd(outline.worstUsd)}${outline.budgetUsd === null ? '' : `, budget ${usd(outline.budgetUsd)}`})`,
  ];
  if (outline.readiness !== undefined) {
    const { needed, present, missing } = outline.readiness;
    lines.push(
      `readiness at start: ${present.length}/${needed.length} skills present${missing.length > 0 ? ` (to build: ${missing.join(', ')})` : ''}`,
    );
  }
  for (const phase of outline.phases) {
    lines.push(`phase ${phase.id}${phase.gate === null ? '' : ` (gate: ${phase.gate})`}`);
    if (phase.steps.length === 0) lines.push('  (no steps)');
    for (const step of phase.steps) {
      const needs =
        step.needs === null
          ? 'no capability'
          : step.needs.startsWith('capability:')
            ? step.needs
            : `skill ${step.needs}`;
      const route = step.route === null ? `unrouted: ${step.reason}` : `-> ${step.route}`;
      const extras = [
        step.after.length > 0 ? `after ${step.after.join(', ')}` : '',
        step.builds !== undefined ? `builds ${step.builds.join(', ')}` : '',
        step.check !== undefined ? `checked by ${step.check}` : '',
      ].filter((extra) => extra !== '');
      lines.push(
        `  ${step.step}  ${needs} ${route}  (${usd(step.worstUsd)})${extras.length > 0 ? `  ${extras.join('; ')}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
