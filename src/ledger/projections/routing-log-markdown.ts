import { describeHold } from '../../core/index.js';
import type { ReportedRoute, RouteDecision, RoutingEntry } from './routing-log.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function decisionLine(decision: RouteDecision): string {
  const answer =
    decision.answer === null
      ? 'pending'
      : `${decision.answer.verdict} by ${decision.answer.by}${decision.answer.comment && decision.answer.verdict !== 'signalled' ? `: ${decision.answer.comment}` : ''}`;
  return `- #${decision.seq} \`${decision.id}\` (${decision.kind}): ${cell(decision.reason)} → ${cell(answer)}`;
}

function reportedLine(route: ReportedRoute): string {
  const options = route.candidates.map(
    (c) =>
      `${c.chosen ? `**${cell(c.name)}**` : cell(c.name)}${c.score !== null ? ` ${c.score}` : ''}${c.reason ? ` (${cell(c.reason)})` : ''}`,
  );
  return `- #${route.seq} ${route.at} ${cell(route.agent)} → **${cell(route.to)}**: ${cell(route.reason)} (recorded by ${cell(route.by)})${options.length > 0 ? `; weighed: ${options.join(', ')}` : ''}`;
}

function entryLines(entry: RoutingEntry): string[] {
  const target =
    entry.capability === null
      ? '(not routed)'
      : `→ ${entry.capability}${entry.skill !== null ? ` (skill \`${entry.skill}\`)` : ' (pinned)'}`;
  const lines = [
    `## \`${entry.step}\` ${target}`,
    '',
    `#${entry.seq} ${entry.at}: ${cell(entry.reason)}  `,
    `**Outcome:** ${entry.outcome}${entry.error ? ` — ${cell(entry.error.message)}` : ''}`,
  ];
  if (entry.from.length > 0) lines.push('', `From: ${entry.from.map((step) => `\`${step}\``).join(', ')}`);
  if (entry.candidates.length > 0) {
    lines.push('', '| candidate | kind | strength | chosen | reason |', '|---|---|---|---|---|');
    for (const c of entry.candidates)
      lines.push(
        `| ${c.capability} | ${c.kind} | ${c.strength === null ? '—' : c.strength} | ${c.chosen ? 'yes' : ''} | ${cell(c.reason)} |`,
      );
  }
  if (entry.attempts.length > 0)
    lines.push(
      '',
      `Attempts: ${entry.attempts.map((a) => `\`${a.attemptId}\` ${a.outcome}${a.durationMs !== null ? ` in ${a.durationMs} ms` : ''}${(a.holds ?? []).map((hold) => ` (${describeHold(hold)})`).join('')}`).join(', ')}`,
    );
  const items = entry.items ?? [];
  if (items.length > 0)
    lines.push(
      '',
      'Items routed by their own skill:',
      '',
      ...items.map(
        (r) =>
          `- #${r.seq} \`${r.instance}\` skill \`${r.skill ?? '-'}\` → **${cell(r.capability)}**: ${cell(r.reason)}`,
      ),
    );
  const reroutes = entry.reroutes ?? [];
  if (reroutes.length > 0)
    lines.push(
      '',
      'Retries routed elsewhere:',
      '',
      ...reroutes.map((r) => `- #${r.seq} \`${r.instance}\` → **${cell(r.capability)}**: ${cell(r.reason)}`),
    );
  if (entry.judge !== undefined) {
    const { judge } = entry;
    const verdict =
      judge.verdict === null
        ? 'no verdict yet'
        : `${judge.verdict.agree ? 'agree' : 'disagree'}: ${judge.verdict.reasons}`;
    lines.push('', `Judge: #${judge.seq} **${cell(judge.capability)}** (${cell(judge.reason)}), ${cell(verdict)}`);
  }
  if (entry.decisions.length > 0) lines.push('', 'Decisions asked:', '', ...entry.decisions.map(decisionLine));
  if (entry.reported.length > 0) lines.push('', 'Routing recorded by agents:', '', ...entry.reported.map(reportedLine));
  return lines;
}

/**
 * The routing log as Markdown, one section per step in the order it was first routed: the
 * conductor's route with every candidate and its reason, the attempts and the outcome, the
 * decisions asked of people, and the routing decisions agents recorded. It is what the MCP
 * server serves as a run's routing-log resource.
 */
export function renderRoutingLogMarkdown(runId: string, entries: readonly RoutingEntry[]): string {
  const lines = [`# Routing log: \`${runId}\``, ''];
  if (entries.length === 0) lines.push('No step has been routed yet.');
  for (const [i, entry] of entries.entries()) lines.push(...(i > 0 ? [''] : []), ...entryLines(entry));
  return `${lines.join('\n')}\n`;
}
