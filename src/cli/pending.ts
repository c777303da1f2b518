import { pendingWithAnswers, type PipelinePending } from '../ledger/index.js';
import { formatEvidence } from './evidence.js';
import { paint } from './format.js';

/** A pending decision as the CLI shows it: with the commands that answer it, the usual one first. */
export type PendingView = PipelinePending;

export const pendingViews = pendingWithAnswers;

/** `pending decisions` lines: id, kind, reason, what approving binds (its evidence), and the commands that answer each. */
export function formatPending(
  views: readonly PendingView[],
  stream: NodeJS.WriteStream = process.stdout,
  indent = '  ',
): string {
  const s = paint(stream);
  return views
    .map(
      (view) =>
        `${indent}${s('yellow', '?')} ${s('bold', view.id)} (${view.kind}): ${view.reason}\n${[
          ...(view.outline !== undefined ? view.outline.split('\n') : []),
          ...(view.evidence ? ['approving binds:', ...formatEvidence(view.evidence).map((line) => `  ${line}`)] : []),
          ...view.answers,
        ]
          .map((line) => `${indent}    ${line}`)
          .join('\n')}`,
    )
    .join('\n');
}
