import { pendingWithAnswers, type PipelinePending } from '../ledger/index.js';
import { formatEvidence } from './evidence.js';
import { paint } from './format.js';

/** A pending decision as the CLI shows it: with the commands that answer it, the usual one first. */
export type PendingView = PipelinePending;

export const pendingViews = pendingWithAnswers;

/** At most this much of a task's input or a vote's output is shown inline; `--json` has all of it. */
const SHOWN_CHARACTERS = 300;

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}… (${text.length} characters)` : text;
}

/** What the decision is about, a line or a few (a gate says it in its reason and evidence). */
function aboutLines(about: NonNullable<PendingView['about']>): string[] {
  switch (about.kind) {
    case 'task':
      return [`task input: ${shown(about.input)}`];
    case 'confirm':
      return about.capability === null ? [] : [`dispatches to: ${about.capability}`];
    case 'signal':
      return [];
    case 'plan':
      return about.outline === null ? [] : about.outline.split('\n');
    case 'escalation':
      return [
        ...(about.error !== null ? [`error: ${about.error.type}: ${about.error.message}`] : []),
        ...(about.votes ?? []).map((vote) => `vote ${vote.capability}: ${shown(vote.output)}`),
      ];
    case 'handoff':
      return [
        `handoff: ${about.from.agent}${about.from.step === null ? '' : ` (step "${about.from.step}")`} -> ${about.to.agent}${about.to.role === undefined ? '' : ` as ${about.to.role}`}, asked by ${about.by}: ${about.reason}`,
        ...(about.instruction !== undefined ? [`instruction: ${about.instruction}`] : []),
        ...(about.artifacts.length > 0 ? [`artifacts: ${about.artifacts.join(', ')}`] : []),
      ];
  }
}

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
          ...(view.about !== undefined ? aboutLines(view.about) : []),
          ...(view.evidence ? ['approving binds:', ...formatEvidence(view.evidence).map((line) => `  ${line}`)] : []),
          ...view.answers,
        ]
          .map((line) => `${indent}    ${line}`)
          .join('\n')}`,
    )
    .join('\n');
}
