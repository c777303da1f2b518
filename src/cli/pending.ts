import { pendingWithAnswers, type PipelinePending } from '../ledger/index.js';
import { paint } from './format.js';

/** A pending decision as the CLI shows it: with the commands that answer it, the usual one first. */
export type PendingView = PipelinePending;

export const pendingViews = pendingWithAnswers;

/** `pending decisions` lines: id, kind, reason, and the commands that answer each. */
export function formatPending(
  views: readonly PendingView[],
  stream: NodeJS.WriteStream = process.stdout,
  indent = '  ',
): string {
  const s = paint(stream);
  return views
    .map(
      (view) =>
        `${indent}${s('yellow', '?')} ${s('bold', view.id)} (${view.kind}): ${view.reason}\n${view.answers.map((answer) => `${indent}    ${answer}`).join('\n')}`,
    )
    .join('\n');
}
