import type { PlanIssue } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { intersect } from '../routing.js';
import { entryHolds, parseScopeEntry, type ScopeEntry } from './scope-entry.js';
import { listStepEntries } from '../plan/step-list.js';

/**
 * A step's scope: what its capabilities may touch. The run's `constraints.scope` narrowed by
 * the step's own (see `scope-entry.ts` for what an entry means and holds).
 */

/** Whether the entry `inner` is within the entry `outer`; an entry that does not parse is within nothing. */
function within(inner: string, outer: string): boolean {
  const [a, b] = [parseScopeEntry(inner), parseScopeEntry(outer)];
  return a.ok && b.ok && entryHolds(b.entry, a.entry);
}

/**
 * The scope a step works within, from the plan alone: the entries of the run's scope and of
 * the step's that both allow (a run's `./out` and a step's `./out/reports` give
 * `./out/reports`). Null when neither declares a scope: nothing is checked. An empty list
 * allows no path and no URL. A step id the plan does not have gets the run's scope.
 * @example stepScope(plan, 'build') // ['./out/build'] or null
 */
export function stepScope(plan: Plan, stepId: string): readonly string[] | null {
  return intersect(plan.constraints?.scope, plan.steps[stepId]?.constraints?.scope, within);
}

/**
 * A scope narrowed by another: the entries both allow, null when neither is a list. A child run's
 * scope is its own narrowed by its parent step's (core/sub-plan.ts).
 * @example narrowScope(['./out'], ['./out/team']) // ['./out/team']
 */
export function narrowScope(
  outer: readonly string[] | null,
  inner: readonly string[] | undefined,
): readonly string[] | null {
  return intersect(outer ?? undefined, inner, within);
}

function describeList(entries: readonly string[]): string {
  return entries.length === 0 ? 'nothing' : entries.join(', ');
}

/**
 * Scope entries that are none of the three forms, and step entries wider than the run's
 * scope (a step can only narrow it). Paths point at the entry: `steps.build.constraints.scope[1]`.
 */
export function scopeIssues(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const parsed = (entries: readonly string[] | undefined, path: (string | number)[]): ScopeEntry[] =>
    (entries ?? []).flatMap((text, i) => {
      const result = parseScopeEntry(text);
      if (result.ok) return [result.entry];
      issues.push({ path: [...path, i], message: result.reason });
      return [];
    });
  const run = plan.constraints?.scope;
  const runEntries = parsed(run, ['constraints', 'scope']);
  for (const [id, step] of listStepEntries(plan.steps)) {
    const own = step.constraints?.scope;
    const path = ['steps', id, 'constraints', 'scope'];
    parsed(own, path);
    if (run === undefined || own === undefined) continue;
    own.forEach((text, i) => {
      const entry = parseScopeEntry(text);
      if (!entry.ok || runEntries.some((outer) => entryHolds(outer, entry.entry))) return;
      const { entry: inner } = entry;
      // Worth a hint only when the run's paths are all of the other sort: `/home/me/out` against `./out`.
      const runPaths = runEntries.filter((outer) => outer.kind === 'path');
      const mixed =
        inner.kind === 'path' && runPaths.length > 0 && runPaths.every((outer) => outer.absolute !== inner.absolute);
      const hint = mixed ? ' (relative and absolute paths are compared as written: write it the way the run does)' : '';
      issues.push({
        path: [...path, i],
        message: `"${text}" is not within the run's constraints.scope (${describeList(run)}); a step's constraints can only narrow the run's${hint}`,
      });
    });
  }
  return issues;
}
