import type { Plan } from './plan/schema.js';

/**
 * A step's `tools:` narrows what an `agent` capability's model may call: only the capability's
 * tools (`SERVER/TOOL`) that the step lists are offered. A listed `TOOL` names that tool on any
 * of the capability's servers, `SERVER/TOOL` one server's. Only narrowing: a step never adds a
 * tool its capability does not list.
 */

export interface NarrowedTools {
  /** The capability's tools the step lets the model call, in the capability's order. */
  allowed: string[];
  /** The step's entries that name none of the capability's tools. */
  missing: string[];
}

function names(entry: string, tool: string): boolean {
  return entry.includes('/') ? entry === tool : tool.slice(tool.indexOf('/') + 1) === entry;
}

/**
 * @example
 * narrowTools(['files/read_text_file', 'files/write_file'], ['read_text_file', 'web/fetch'])
 * // { allowed: ['files/read_text_file'], missing: ['web/fetch'] }
 */
export function narrowTools(capabilityTools: readonly string[], stepTools: readonly string[]): NarrowedTools {
  return {
    allowed: capabilityTools.filter((tool) => stepTools.some((entry) => names(entry, tool))),
    missing: stepTools.filter((entry) => !capabilityTools.some((tool) => names(entry, tool))),
  };
}

/**
 * The `tools:` list that applies to one attempt: the step's, for its own work and its consensus
 * votes; none (null) for the capabilities that check, judge or compensate it, which the plan
 * names for their own purpose, or for a step without the list. The attempt id says which it
 * is (`build/a1`, `review/v2/a1` against `build/check/a1`, `review/judge/a1`, `deploy/compensate/a1`).
 * @example stepToolsOf(plan, 'research', 'research/a1') // ['read_text_file']
 */
export function stepToolsOf(plan: Plan, step: string, attemptId: string): readonly string[] | null {
  const tools = plan.steps[step]?.tools;
  if (tools === undefined) return null;
  const role = /^\/(check|judge|compensate)(?:[/@]|$)/.exec(attemptId.slice(step.length));
  return attemptId.startsWith(step) && role === null ? tools : null;
}
