import type { PendingDecision } from '../core/index.js';
import { answersFor } from '../ledger/index.js';
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
