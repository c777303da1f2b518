import type { PlanIssue } from '../errors.js';
import { dependenciesOf } from '../plan/graph.js';
import type { Plan } from '../plan/schema.js';
import type { NeededSkill } from './planner-answer.js';
import { listStepIds } from '../plan/step-list.js';

/** The phase infrastructure steps belong to. */
export const INFRASTRUCTURE_PHASE = 'infrastructure';

/** Infrastructure steps that may run at once: the rest wait on earlier ones. */
export const MAX_PARALLEL_BUILDS = 3;

/** Which of the skills a design needs the registry has: what a run of its plan starts from. */
export interface SkillReadiness {
  needed: string[];
  present: string[];
  missing: string[];
}

/**
 * The skills needed, each marked present when some registry capability offers it.
 * @example
 * skillReadiness([{ skill: 'build' }, { skill: 'deploy' }], new Set(['build']))
 * // { needed: ['build', 'deploy'], present: ['build'], missing: ['deploy'] }
 */
export function skillReadiness(needed: readonly NeededSkill[], available: ReadonlySet<string>): SkillReadiness {
  const skills = [...new Set(needed.map((entry) => entry.skill))];
  return {
    needed: skills,
    present: skills.filter((skill) => available.has(skill)),
    missing: skills.filter((skill) => !available.has(skill)),
  };
}

function phaseOf(plan: Plan, step: string): string | undefined {
  const declared = plan.steps[step]?.phase;
  if (declared !== undefined) return declared;
  const first = plan.phases?.[0];
  return typeof first === 'string' ? first : first?.id;
}

/**
 * What a drafted plan lacks to build the skills the registry does not have: each missing skill
 * needs an `infrastructure` step that `builds` it and has a `check` proving it, and no more
 * than MAX_PARALLEL_BUILDS of those steps may run at once (steps at the same depth of the
 * phase's own dependency graph count as running together).
 * @example
 * infrastructureIssues(plan, { needed: ['deploy'], present: [], missing: ['deploy'] })
 * // [{ path: ['steps'], message: 'skill "deploy" is not in the registry: ...' }]
 */
export function infrastructureIssues(plan: Plan, readiness: SkillReadiness): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const infrastructure = listStepIds(plan.steps).filter((id) => phaseOf(plan, id) === INFRASTRUCTURE_PHASE);
  for (const skill of readiness.missing) {
    const builder = infrastructure.find((id) => plan.steps[id]?.builds?.includes(skill));
    if (builder === undefined)
      issues.push({
        path: ['steps'],
        message: `skill "${skill}" is not in the registry: add a step in phase "${INFRASTRUCTURE_PHASE}" with builds: [${skill}] and a check that proves it`,
      });
    else if (plan.steps[builder]?.check === undefined)
      issues.push({
        path: ['steps', builder, 'check'],
        message: `step "${builder}" builds "${skill}" without a check: give it check: { capability: ... } to prove the skill works`,
      });
  }
  const builders = new Set(infrastructure.filter((id) => plan.steps[id]?.builds !== undefined));
  const depth = new Map<string, number>();
  const depthOf = (id: string, trail: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (trail.has(id)) return 0; // a cycle is validation's to report
    trail.add(id);
    const step = plan.steps[id];
    const before = step ? dependenciesOf(plan, id).filter((dep) => builders.has(dep)) : [];
    const level = before.length === 0 ? 0 : 1 + Math.max(...before.map((dep) => depthOf(dep, trail)));
    depth.set(id, level);
    return level;
  };
  const levels = new Map<number, string[]>();
  for (const id of builders) {
    const level = depthOf(id, new Set());
    levels.set(level, [...(levels.get(level) ?? []), id]);
  }
  for (const together of levels.values())
    if (together.length > MAX_PARALLEL_BUILDS)
      issues.push({
        path: ['steps', together[MAX_PARALLEL_BUILDS] as string, 'after'],
        message: `${together.length} infrastructure steps would build at once (${together.join(', ')}); at most ${MAX_PARALLEL_BUILDS} may: make the others wait with after:`,
      });
  return issues;
}
