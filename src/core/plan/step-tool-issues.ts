import type { PlanIssue } from '../errors.js';
import type { Registry } from '../registry.js';
import { narrowTools } from '../step-tools.js';
import type { Plan } from './schema.js';
import { listStepEntries } from './step-list.js';

/**
 * A step's `tools:` checked against the capabilities it can run on (its pinned one, or every one
 * offering its skill): each must be an `agent`, and each listed tool one that agent offers. Known
 * statically for the agents the plan declares (the workspace registry's are recorded in it);
 * an agent known only at run time is checked by its attempt.
 */
export function stepToolIssues(plan: Plan, registry: Registry): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const [id, step] of listStepEntries(plan.steps)) {
    if (step.tools === undefined) continue;
    const path = ['steps', id, 'tools'];
    const candidates =
      step.capability !== undefined
        ? [step.capability].filter((capability) => capability in registry)
        : Object.keys(registry).filter((capability) => registry[capability]?.skills[step.skill ?? ''] !== undefined);
    for (const capability of candidates) {
      const kind = registry[capability]?.kind;
      if (kind !== 'agent') {
        issues.push({
          path,
          message: `tools narrows what an agent's model may call, and "${id}" can run on "${capability}", a ${kind ?? 'unknown'} capability; use tools only on steps whose capabilities are all agents`,
        });
        continue;
      }
      const config = plan.capabilities?.[capability];
      if (config?.kind !== 'agent') continue;
      const { missing } = narrowTools(config.tools, step.tools);
      for (const entry of missing)
        issues.push({
          path: [...path, step.tools.indexOf(entry)],
          message: `agent "${capability}" offers no tool "${entry}" (its tools: ${config.tools.join(', ')}); a step's tools can only narrow its agent's`,
        });
    }
  }
  return issues;
}
