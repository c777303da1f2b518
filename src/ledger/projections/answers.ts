import { parseDecisionId, type PendingKind } from '../../core/index.js';

/** What a pending decision needs to say how it is answered. */
export interface DecisionRef {
  id: string;
  kind: PendingKind;
  detail?: unknown;
}

/** Quotes a shell word only when it needs it (`fan[2]` is quoted: some shells glob brackets). */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@=+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function targetName(id: string): string {
  return parseDecisionId(id)?.target ?? id;
}

/**
 * What a command names a decision by: its phase or step (`execution`, `deploy`), or its full
 * id when another pending decision that the same command answers has that name too.
 */
function targetOf(decision: DecisionRef, all: readonly DecisionRef[], kinds: readonly PendingKind[]): string {
  const name = targetName(decision.id);
  const clash = all.some(
    (other) => other.id !== decision.id && kinds.includes(other.kind) && targetName(other.id) === name,
  );
  return clash ? decision.id : name;
}

/**
 * The exact `baton` commands that answer a pending decision, the usual one first (data to
 * submit is shown as `JSON`). `all` is every decision pending in the run, to tell clashing
 * names apart.
 * @example answersFor('r1', { id: 'gate:execution', kind: 'gate' }, []) // ['baton approve r1 execution', 'baton deny r1 execution']
 */
export function answersFor(runId: string, decision: DecisionRef, all: readonly DecisionRef[]): string[] {
  const run = shellWord(runId);
  const verdict = (verb: string): string =>
    `baton ${verb} ${run} ${shellWord(targetOf(decision, all, ['gate', 'confirm', 'escalation', 'plan']))}`;
  const submit = (): string =>
    `baton submit ${run} ${shellWord(targetOf(decision, all, ['human', 'escalation']))} --output JSON`;
  switch (decision.kind) {
    case 'gate':
    case 'confirm':
      return [verdict('approve'), verdict('deny')];
    case 'plan':
    case 'handoff':
      // Its target is a number (a revision, a halt): named by its full id (`plan:1`), never a bare number.
      return ['approve', 'deny'].map((verb) => `baton ${verb} ${run} ${decision.id}`);
    case 'escalation':
      // Approve retries the step; deny fails it; submit supplies its output in place of a capability.
      return [verdict('approve'), verdict('deny'), submit()];
    case 'human':
      return [submit()];
    case 'signal': {
      const names = (decision.detail as { signals?: string[] } | undefined)?.signals ?? [];
      return names.map((name) => `baton signal ${run} ${shellWord(name)} [--data JSON]`);
    }
  }
}
