import type { PendingDecision } from '../core/index.js';
import { paint } from './format.js';

/** A pending decision as the CLI shows it: with the commands that answer it. */
export interface PendingView {
  id: string;
  kind: PendingDecision['kind'];
  step: string | null;
  phase: string | null;
  reason: string;
  since: string;
  /** The commands that answer it, first the usual one (`baton approve RUN execution`). */
  answers: string[];
}

/** Quotes a shell word only when it needs it. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@=+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * What a command names a decision by: its phase or step (`execution`, `deploy`), or its full
 * id when another pending decision of a kind the same command answers has that name too.
 */
function targetOf(decision: PendingDecision, all: readonly PendingDecision[], kinds: readonly PendingDecision['kind'][]): string {
  const name = decision.id.slice(decision.id.indexOf(':') + 1);
  const clash = all.some((other) => other.id !== decision.id && kinds.includes(other.kind) && other.id.slice(other.id.indexOf(':') + 1) === name);
  return clash ? decision.id : name;
}

/** The exact commands that answer a pending decision (data to submit is shown as `JSON`). */
export function answersFor(runId: string, decision: PendingDecision, all: readonly PendingDecision[]): string[] {
  const run = shellWord(runId);
  const verdict = (verb: string) => `baton ${verb} ${run} ${shellWord(targetOf(decision, all, ['gate', 'confirm', 'escalation']))}`;
  switch (decision.kind) {
    case 'gate':
    case 'confirm':
      return [verdict('approve'), verdict('deny')];
    case 'escalation':
      // Approve retries the step; deny fails it; submit supplies its output in place of a capability.
      return [verdict('approve'), verdict('deny'), `baton submit ${run} ${shellWord(targetOf(decision, all, ['human', 'escalation']))} --output JSON`];
    case 'human':
      return [`baton submit ${run} ${shellWord(targetOf(decision, all, ['human', 'escalation']))} --output JSON`];
    case 'signal': {
      const names = (decision.detail as { signals?: string[] } | undefined)?.signals ?? [];
      return names.map((name) => `baton signal ${run} ${shellWord(name)} [--data JSON]`);
    }
  }
}

export function pendingViews(runId: string, pending: readonly PendingDecision[]): PendingView[] {
  return pending.map((decision) => ({
    id: decision.id,
    kind: decision.kind,
    step: decision.step,
    phase: decision.phase,
    reason: decision.reason,
    since: decision.since,
    answers: answersFor(runId, decision, pending),
  }));
}

/** `pending decisions` lines: id, kind, reason, and the commands that answer each. */
export function formatPending(views: readonly PendingView[], stream: NodeJS.WriteStream = process.stdout, indent = '  '): string {
  const s = paint(stream);
  return views
    .map((view) => `${indent}${s('yellow', '?')} ${s('bold', view.id)} (${view.kind}): ${view.reason}\n${view.answers.map((answer) => `${indent}    ${answer}`).join('\n')}`)
    .join('\n');
}
