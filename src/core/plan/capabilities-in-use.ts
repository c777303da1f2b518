import { judgeSkillOf } from '../governance/consensus-judge.js';
import { isDynamicSkill } from '../dynamic-skill.js';
import type { Plan } from './schema.js';
import { listSteps } from './step-list.js';

/**
 * The ids of the plan's capabilities that some step may run: pinned by a step, its check or its
 * compensation, or offering a skill a step asks for (its consensus judge's included). A workspace registry puts every capability
 * it declares into each run's plan; only these are worth a live check (which may start an MCP
 * server program) at admission.
 * @example
 * capabilitiesInUse({ baton: 1, name: 'p', capabilities: { fs: { kind: 'mcp', skills: { read: 1 }, ... },
 *   web: { kind: 'mcp', skills: { fetch: 1 }, ... } }, steps: { a: { skill: 'read' } } }) // Set { 'fs' }
 */
export function capabilitiesInUse(plan: Plan): Set<string> {
  const pinned = new Set<string>();
  const skills = new Set<string>();
  for (const step of listSteps(plan.steps)) {
    if (step.capability !== undefined) pinned.add(step.capability);
    if (step.compensate !== undefined) pinned.add(step.compensate);
    if (step.check !== undefined) pinned.add(step.check.capability);
    if (step.skill !== undefined) skills.add(step.skill);
    const judge = step.consensus && judgeSkillOf(step.consensus);
    if (judge) skills.add(judge);
  }
  // A skill template may name any skill: every capability may be used.
  if (listSteps(plan.steps).some((step) => isDynamicSkill(step.skill)))
    return new Set(Object.keys(plan.capabilities ?? {}));
  const used = new Set<string>();
  for (const [id, capability] of Object.entries(plan.capabilities ?? {}))
    if (pinned.has(id) || Object.keys(capability.skills).some((skill) => skills.has(skill))) used.add(id);
  return used;
}
