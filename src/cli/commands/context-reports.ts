import { InvalidArgumentError, type Command } from 'commander';
import { emptyContextMetrics, type ContextMetrics, type ContextResume } from '../../engine/index.js';
import { withBaton, workspaceExists, type GlobalOptions } from '../context.js';
import { paint, printJson, table } from '../format.js';
import { entryLines, section } from './context-lines.js';

const EMPTY_RESUME: ContextResume = { objectives: [], tasks: [], pending: [], running: [], insights: [] };

/** `baton context resume` and `baton context metrics`: reports over the workspace context and its runs. */
export function registerContextReports(context: Command): void {
  context
    .command('resume')
    .description(
      'what a new session needs to continue: open objectives and tasks, pending decisions across runs, recent insights',
    )
    .option('--json', 'print as JSON')
    .action(async (_local: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const found = workspaceExists(options)
        ? await withBaton({ ...options, existing: true }, (baton) => baton.contextResume())
        : EMPTY_RESUME;
      if (options.json) printJson(found);
      else printResume(found);
    });

  context
    .command('metrics')
    .description('runs, steps, agents, cost, tokens and decisions of recent runs, by day')
    .option('--since <date>', 'only runs created since this date or time (2026-12-01, 2026-12-01T09:00:00Z)')
    .option('--runs <n>', 'look at the newest N runs at most (default 100, at most 1000)', wholeNumber)
    .option('--json', 'print as JSON')
    .action(async (_local: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { since?: string; runs?: number }>();
      const query = {
        ...(options.since !== undefined && { since: options.since }),
        ...(options.runs !== undefined && { runs: options.runs }),
      };
      // Without a workspace there are no runs (and none is created); the options are checked all the same.
      const found = workspaceExists(options)
        ? await withBaton({ ...options, existing: true }, (baton) => baton.contextMetrics(query))
        : emptyContextMetrics(query);
      if (options.json) printJson(found);
      else printMetrics(found);
    });
}

function wholeNumber(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number`);
  return Number(value);
}

function printResume({ objectives, tasks, pending, running, insights }: ContextResume): void {
  const s = paint(process.stdout);
  const pendingTable = table([
    ['RUN', 'DECISION', 'KIND', 'WHY'],
    ...pending.map((d) => [d.runId, d.id, d.kind, d.reason ?? '']),
  ]).replace(/^/gm, '  ');
  const runTable = table([['RUN', 'NAME', 'UPDATED'], ...running.map((r) => [r.runId, r.name, r.updatedAt])]).replace(
    /^/gm,
    '  ',
  );
  const sections = [
    section(
      s,
      'open objectives',
      objectives.length > 0 ? entryLines(objectives) : undefined,
      'add one with: baton context objective "TEXT"',
    ),
    section(s, 'open tasks', tasks.length > 0 ? entryLines(tasks) : undefined),
    section(
      s,
      'pending decisions',
      pending.length > 0
        ? `${pendingTable}\n  answer with: baton approve RUN DECISION, or baton deny RUN DECISION`
        : undefined,
    ),
    section(s, 'running runs', running.length > 0 ? runTable : undefined),
    section(s, 'recent insights', insights.length > 0 ? entryLines(insights) : undefined),
  ];
  process.stdout.write(`${sections.join('\n\n')}\n`);
}

function printMetrics({ window, days, totals }: ContextMetrics): void {
  const s = paint(process.stdout);
  const since = window.since !== null ? `, created since ${window.since}` : '';
  const head = `${s('bold', 'metrics')} of ${window.runs} run${window.runs === 1 ? '' : 's'} (the newest ${window.limit} at most${since})`;
  if (window.runs === 0) return void process.stdout.write(`${head}: none\n`);
  const row = (label: string, t: ContextMetrics['totals']) => [
    label,
    String(t.runs),
    String(t.succeeded),
    String(t.failed),
    String(t.steps),
    String(t.agents),
    `$${t.costUsd.toFixed(4)}`,
    `${t.inputTokens}/${t.outputTokens}`,
    String(t.decisions),
    String(t.pending),
  ];
  const rows = table([
    ['DAY', 'RUNS', 'SUCCEEDED', 'FAILED', 'STEPS', 'AGENTS', 'COST', 'TOKENS IN/OUT', 'DECISIONS', 'PENDING'],
    ...days.map((day) => row(day.day, day)),
    row('total', totals),
  ]).replace(/^/gm, '  ');
  process.stdout.write(`${head}\n${rows}\n`);
}
