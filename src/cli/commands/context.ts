import type { Command } from 'commander';
import { checkContextText, type WorkspaceContext } from '../../engine/index.js';
import type { ContextEntry } from '../../store/index.js';
import { withBaton, workspaceExists, type GlobalOptions } from '../context.js';
import { paint, printJson, table } from '../format.js';
import { entryLines, section } from './context-lines.js';
import { registerContextReports } from './context-reports.js';

const ADD_HINT = 'add one with: baton context objective "TEXT"';

function printContext({ objectives, tasks, insights, runs, decisions, agents }: WorkspaceContext): void {
  const s = paint(process.stdout);
  const open = objectives.filter((o) => o.status === 'open');
  const complete = objectives.filter((o) => o.status === 'complete');
  const openTasks = tasks.filter((t) => t.status === 'open');
  const doneTasks = tasks.filter((t) => t.status === 'complete');
  const outcome = (o: ContextEntry) => [`→ ${o.outcome ?? ''}  (${o.completedAt ?? ''})`];
  const runTable = table([
    ['RUN', 'NAME', 'STATUS', 'UPDATED'],
    ...runs.map((r) => [r.runId, r.name, r.status, r.updatedAt]),
  ]).replace(/^/gm, '  ');
  const sections = [
    section(
      s,
      'open objectives',
      open.length > 0 ? entryLines(open) : undefined,
      objectives.length === 0 ? ADD_HINT : undefined,
    ),
    section(s, 'completed objectives', complete.length > 0 ? entryLines(complete, outcome) : undefined),
    ...(tasks.length > 0
      ? [
          section(s, 'open tasks', openTasks.length > 0 ? entryLines(openTasks) : undefined),
          section(s, 'completed tasks', doneTasks.length > 0 ? entryLines(doneTasks, outcome) : undefined),
        ]
      : []),
    section(s, 'insights', insights.length > 0 ? entryLines(insights) : undefined),
    section(s, 'decisions', decisions.length > 0 ? decisionTable(decisions) : undefined),
    ...(agents.length > 0 ? [section(s, 'agents', agentTable(agents))] : []),
    section(s, 'recent runs', runs.length > 0 ? runTable : undefined),
  ];
  process.stdout.write(`${sections.join('\n\n')}\n`);
}

/** Per run: the agents it spawned (`researcher ×2`) and those that reported on it. */
function agentTable(agents: WorkspaceContext['agents']): string {
  const rows = agents.map((a) => [
    a.runId,
    Object.entries(a.spawned)
      .map(([capability, times]) => `${capability} ×${times}`)
      .join(', ') || '-',
    a.reporting.join(', ') || '-',
  ]);
  return table([['RUN', 'SPAWNED', 'REPORTING'], ...rows]).replace(/^/gm, '  ');
}

/** Pending first (what waits for a person), then who decided what. */
function decisionTable(decisions: WorkspaceContext['decisions']): string {
  const rows = decisions.map((d) => [
    d.runId,
    d.id,
    d.status,
    d.status === 'pending' ? (d.reason ?? '') : [d.by, d.comment ?? d.reason].filter(Boolean).join(': '),
  ]);
  return table([['RUN', 'DECISION', 'STATUS', 'WHO / WHY'], ...rows]).replace(/^/gm, '  ');
}

function printRecorded(verb: string, entry: ContextEntry): void {
  const run = entry.runId !== null ? ` (run ${entry.runId})` : '';
  const indented = (text: string) => text.replace(/\n/g, '\n  ');
  process.stdout.write(
    `${verb} ${entry.kind} ${paint(process.stdout)('bold', entry.id)}${run}: ${indented(entry.text)}\n`,
  );
  if (entry.outcome !== null) process.stdout.write(`  outcome: ${indented(entry.outcome)}\n`);
}

/** `baton context` and its subcommands: what the workspace pursues and has learned, across sessions. */
export function registerContext(program: Command, globals: () => GlobalOptions): void {
  const context = program
    .command('context')
    .description("the workspace's objectives, insights, decisions and recent runs, kept across sessions")
    .option('--json', 'print as JSON')
    .action(async (local: GlobalOptions) => {
      const options = { ...globals(), ...local };
      if (!workspaceExists(options)) {
        if (options.json)
          return printJson({
            objectives: [],
            tasks: [],
            insights: [],
            runs: [],
            decisions: [],
            agents: [],
          } satisfies WorkspaceContext);
        return void process.stdout.write(`nothing recorded yet (no workspace here); ${ADD_HINT}\n`);
      }
      const found = await withBaton({ ...options, existing: true }, (baton) => baton.context());
      if (options.json) printJson(found);
      else printContext(found);
    });

  const describe = {
    objective: 'record an objective the workspace pursues',
    task: 'record a task to be done (open until completed), optionally for a run',
    insight: 'record something learned',
  } as const;
  for (const kind of ['objective', 'task', 'insight'] as const) {
    context
      .command(kind)
      .description(describe[kind])
      .argument('<text>', `the ${kind}, in words`)
      .option('--run <run>', `the run this ${kind} is about`)
      .option('--json', 'print the recorded entry as JSON')
      .action(async (text: string, _local: unknown, command: Command) => {
        const options = command.optsWithGlobals<GlobalOptions & { run?: string }>();
        // Checked before the workspace is opened, so that a mistake does not create one; and a run
        // can only be named where a workspace exists already.
        checkContextText(`${kind} text`, text);
        const entry = await withBaton({ ...options, existing: options.run !== undefined }, (baton) =>
          kind === 'objective'
            ? baton.addObjective(text, { runId: options.run })
            : kind === 'task'
              ? baton.addTask(text, { runId: options.run })
              : baton.addInsight(text, { runId: options.run }),
        );
        if (options.json) printJson(entry);
        else printRecorded('recorded', entry);
      });
  }

  context
    .command('complete')
    .description('complete an open objective or task with its outcome')
    .argument('<id>', 'the objective (obj-N) or task (task-N)')
    .argument('<outcome>', 'how it ended, in words')
    .option('--json', 'print the completed entry as JSON')
    .action(async (id: string, outcome: string, _local: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const entry = await withBaton({ ...options, existing: true }, (baton) => baton.completeContextEntry(id, outcome));
      if (options.json) printJson(entry);
      else printRecorded('completed', entry);
    });

  registerContextReports(context);
}
