import type { ContextEntry } from '../../store/index.js';
import type { paint } from '../format.js';

export type Paint = ReturnType<typeof paint>;

/** `ID  TEXT` lines, continuation lines of a multi-line text (and `extra` lines) aligned under the text. */
export function entryLines(
  entries: readonly ContextEntry[],
  extra: (entry: ContextEntry) => string[] = () => [],
): string {
  const width = Math.max(...entries.map((e) => e.id.length));
  const indent = ' '.repeat(2 + width + 2);
  return entries
    .map((entry) => {
      const run = entry.runId !== null ? `  (run ${entry.runId})` : '';
      const lines = [`${entry.text}${run}`, ...extra(entry)].join('\n').split('\n');
      return `  ${entry.id.padEnd(width)}  ${lines.join(`\n${indent}`)}`;
    })
    .join('\n');
}

/** A bold heading with its body, or `heading: none` (with a hint) when there is nothing to show. */
export function section(s: Paint, heading: string, body: string | undefined, whenNone?: string): string {
  if (body !== undefined) return `${s('bold', heading)}\n${body}`;
  return `${s('bold', heading)}: none${whenNone !== undefined ? ` (${whenNone})` : ''}`;
}
