import type { DraftPlanResult } from '../engine/index.js';
import { badInput } from './context.js';

/** Why a planning admitted no plan, the last issues, and where it is recorded: for `baton plan` and `baton run --objective`. */
export function failureMessage(result: DraftPlanResult): string {
  const { record } = result;
  const why =
    record.result === 'over_budget'
      ? 'the planning budget would be passed'
      : record.result === 'failed'
        ? 'the planner call failed'
        : `the planner did not answer with an admissible plan in ${record.calls} call${record.calls === 1 ? '' : 's'} (${record.repairs} repair${record.repairs === 1 ? '' : 's'})`;
  return `no plan drafted: ${why}; nothing was run. The last issues:\n${result.issues.map((issue) => `  - ${issue}`).join('\n')}\nrecorded in the workspace ledger as ${record.id}`;
}

/** A number given as an option's text; undefined when the option was left out. */
export function numberOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw badInput(`${name} takes a number, got "${text}"`);
  return value;
}
