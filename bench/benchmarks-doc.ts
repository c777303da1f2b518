import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  kbToMB,
  perStepMs,
  startupFigures,
  stepsPerSecond,
  targetValue,
  verdict,
  versusMastra,
  type BenchReport,
} from './report.js';
import { Shape, SUBMIT_WORKLOAD } from './workloads.js';

const DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const HISTORY = fileURLToPath(new URL('./history.json', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../package.json', import.meta.url));

/** Where the generated part of docs/benchmarks.md ends; what follows it is written by hand. */
const END_MARKER =
  '<!-- Everything above this line is written by `npm run bench -- --write-docs` from one run: do not edit it by hand. -->';
/** Rows the history table keeps: the latest releases, newest first. */
const HISTORY_ROWS = 8;

/** One release's headline figures, as recorded by the run that regenerated the docs for it. */
export interface HistoryEntry {
  version: string;
  date: string;
  load1m: number;
  chainMsPerStep: number;
  fanOutWallMs: number;
  /** Absent in rows recorded before the submit workload was measured. */
  submitWallMs?: number;
  peakRssMB: number;
  libraryImportMB: number;
  versionCpuS: number;
  statusCpuS: number;
  chainVersusMastra: number | null;
}

const fixed = (value: number, digits: number) => value.toFixed(digits);

function historyEntry(report: BenchReport, version: string, date: string): HistoryEntry {
  const baton = (shape: Shape | typeof SUBMIT_WORKLOAD) =>
    report.workloads.find((result) => result.engine === 'Baton' && result.shape === shape);
  const chain = baton(Shape.chain);
  const fanOut = baton(Shape.fanOut);
  const submit = baton(SUBMIT_WORKLOAD);
  if (!chain || !fanOut || !submit) throw new Error('the report has no Baton workloads to record');
  return {
    version,
    date,
    load1m: Number(fixed(report.machine.loadAverage1m.start, 2)),
    chainMsPerStep: Number(fixed(perStepMs(chain), 4)),
    fanOutWallMs: Number(fixed(fanOut.measurement.wallMs, 1)),
    submitWallMs: Number(fixed(submit.measurement.wallMs, 1)),
    peakRssMB: Number(fixed(kbToMB(report.peakRss.maxRssKB), 1)),
    libraryImportMB: Number(fixed(kbToMB(report.startup.libraryImport.maxRssKB), 1)),
    versionCpuS: Number(fixed(report.startup.version.cpuMs / 1_000, 3)),
    statusCpuS: Number(fixed(report.startup.status.cpuMs / 1_000, 3)),
    chainVersusMastra: ((ratio) => (ratio === undefined ? null : Number(fixed(ratio, 3))))(
      versusMastra(report, Shape.chain),
    ),
  };
}

function markdown(report: BenchReport, history: HistoryEntry[]): string {
  const { machine } = report;
  const workloadRows = report.workloads.map((result) => {
    const m = result.measurement;
    const target = result.target;
    return `| ${result.shape} | ${result.engine} | ${result.persistence} | ${result.steps} | ${fixed(m.wallMs, 1)} | ${fixed(m.minMs, 1)}–${fixed(m.maxMs, 1)} | ${Math.round(stepsPerSecond(result)).toLocaleString('en-US')} | ${fixed(perStepMs(result), 3)} | ${fixed(m.setupMs, 1)} | ${result.check} | ${target ? target.description.replace('<=', '≤') : ''} | ${target ? verdict(targetValue(result, target), target) : ''} |`;
  });
  const rss = report.peakRss;
  const rssMB = kbToMB(rss.maxRssKB);
  const figureRows = [
    `| peak RSS, ${rss.steps.toLocaleString('en-US')}-step Baton chain (child \`node\` on \`dist/\`), run then \`verify\` | ${fixed(rssMB, 1)} MB (${fixed(kbToMB(rss.baselineMaxRssKB), 1)} MB after loading the library; run ${fixed(rss.wallMs, 0)} ms, ${rss.ledgerEvents.toLocaleString('en-US')} ledger events verified) | ${report.peakRssTarget.description.replace('<=', '≤')} | ${verdict(rssMB, report.peakRssTarget)} |`,
    ...[Shape.chain, Shape.fanOut].map((shape) => {
      const ratio = versusMastra(report, shape);
      const target = report.versusMastraTarget;
      return `| Baton wall / Mastra wall, ${shape} | ${ratio === undefined ? 'not measured' : `${fixed(ratio, 2)}x`} | ${target.description.replace('<=', '≤')} | ${ratio === undefined ? '' : verdict(ratio, target)} |`;
    }),
    ...startupFigures(report).map(
      ({ figure, value, shown, target }) =>
        `| ${figure} | ${shown} | ${target.description.replace('<=', '≤')} | ${verdict(value, target)} |`,
    ),
  ];
  const historyRows = history.map(
    (entry) =>
      `| ${entry.version} | ${entry.date} | ${fixed(entry.load1m, 2)} | ${fixed(entry.chainMsPerStep, 3)} | ${fixed(entry.fanOutWallMs, 1)} | ${entry.submitWallMs === undefined ? '' : fixed(entry.submitWallMs, 1)} | ${fixed(entry.peakRssMB, 1)} | ${fixed(entry.libraryImportMB, 1)} | ${fixed(entry.versionCpuS, 3)} | ${fixed(entry.statusCpuS, 3)} | ${entry.chainVersusMastra === null ? '' : `${fixed(entry.chainVersusMastra, 2)}x`} |`,
  );
  return `# Benchmarks

\`npm run bench\` builds the library (\`npm run build\`), installs the bench-only peers (\`npm run bench:peers\`), then
runs \`tsx bench/run.ts\`. In a single run it measures Baton, LangGraph and Mastra side by side on the same no-op
workloads, the peak memory of a long Baton run, and what the library and the CLI cost to start. It is a
benchmark, not a test: it fails only when a run gives a wrong result, never because a figure misses its target.

\`\`\`sh
npm run bench                        # aligned table
npm run bench -- --json              # the same results as JSON
npm run bench -- --runs=5            # more measured runs per workload (default 3)
npm run bench -- --write-docs        # also rewrite the generated part of this page from the run
npm run bench -- --baseline main     # the working tree against a git ref, paired, with ratios
npm run bench -- --pg                # the PostgreSQL bench instead: job systems with worker processes (see below)
\`\`\`

The part of this page down to the PostgreSQL section is generated by \`--write-docs\` from one run (never edited by
hand); the figures below are that run's, with the machine's load at the time.

## What is measured

| workload | what runs |
|---|---|
| Baton chain | 1,000 no-op \`function\` steps, each \`after\` the one before |
| Baton fan-out | 1,000 no-op steps with no dependencies, plus one \`join\` step with \`after:\` all 1,000 ids (1,001 steps) |
| LangGraph chain | a \`StateGraph\` of 1,000 no-op nodes, \`START -> s0 -> ... -> s999 -> END\`, \`recursionLimit\` 1,010 |
| LangGraph fan-out | an edge from \`START\` to each of 1,000 no-op nodes, an edge from each node into \`join\`, then \`join -> END\` |
| Mastra chain | a workflow of 1,000 no-op steps, \`.then()\` after \`.then()\` |
| Mastra fan-out | \`.foreach()\` of a no-op step over 1,000 items with \`concurrency: 1000\`, \`.then()\` a join step |
| Baton submit | \`submit()\` of a 10,000-step chain, timed until it returns: schema and graph validation, pre-flight, and the commit of \`run.created\` with the first round's decisions; the run is then aborted (untimed) and its ledger verified |
| peak RSS | a 10,000-step Baton chain in a child process of its own |
| start-up | importing the library, \`baton --version\`, and \`baton status\` on a workspace holding one run, each a child \`node\` on \`dist/\` (the bundle \`npm run build\` writes: entry points and shared chunks, \`scripts/bundle.js\`) |

What each engine persists, which is most of what separates their figures:

- **Baton** writes every step to its ledger before it moves on: each run gets a fresh workspace (its own SQLite
  file in WAL mode, synchronous=NORMAL), every event is hash-chained, and a run counts only if it succeeds with
  every step and \`baton.verify(runId)\` confirms its chain. The engine runs with \`concurrency: 1000\`. The clock
  starts just before \`submit()\` (plan validation and pre-flight are inside it) and stops when \`result()\` resolves.
- **LangGraph** (\`@langchain/langgraph\`) runs with no checkpointer (nothing persisted), with \`MemorySaver\` (a
  checkpoint per superstep, in memory), and with \`SqliteSaver\` (the same checkpoints in a fresh WAL SQLite file
  per run). Only \`invoke()\` is timed; building and compiling the graph is setup.
- **Mastra** (\`@mastra/core\` 0.24, installed under \`bench/peers\`, not a dependency of Baton) runs its workflows
  in memory: the workflow is not registered with a \`Mastra\` instance, so it has no storage and writes no
  snapshot. Only \`createRunAsync()\` and \`start()\` are timed; building and committing the workflow is setup.
- **Repetition.** Each workload does one warm-up run, thrown away, then the measured runs; the report gives their
  **median**, with the min–max. ms/step = median wall time / steps.
- **Peak RSS and start-up** run in child processes on the compiled \`dist/\` under a bare \`node\` with
  \`NODE_OPTIONS\` cleared, so neither tsx nor the bench process shows in the figures. Each child reports its own
  user + system CPU and its own peak RSS as it exits. The peak is VmHWM from \`/proc/self/status\`, not
  \`getrusage\`'s maxRSS: a child forked from the bench starts with the bench's pages resident, and maxRSS keeps
  that high-water mark across exec (\`bench/peak-rss-kb.js\`). \`MB\` means 10^6 bytes.
- **\`--baseline REF\`** checks REF out in a temporary git worktree, builds it, and runs the Baton workloads (the
  submit of a 10,000-step plan included), the 10,000-step chain and the start-up costs on both trees in child processes, alternating sides run by run so
  that a change in the machine's load falls on both, and prints each figure's ratio (working tree / REF). Each
  child process runs the 1,000-step workloads and the submit three times and reports the first run (what one
  \`baton run\` pays, module loading and compiling included) and the last (steady-state work): a tree that loads
  a package at its first use rather than at import moves that cost into the first run, not the last.

Files: \`bench/run.ts\` (entry point, targets), \`bench/measure.ts\`, \`bench/workloads.ts\`,
\`bench/baton-workloads.ts\`, \`bench/langgraph-workloads.ts\`, \`bench/peers/mastra.ts\`, \`bench/peak-rss.ts\`,
\`bench/startup-cost.ts\`, \`bench/baseline.ts\` with \`bench/dist-trial-child.js\`, \`bench/report.ts\`, and
\`bench/benchmarks-doc.ts\` (this page and \`bench/history.json\`).

## Results

Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.platform}, Node ${machine.node}. The 1-minute load
average was ${fixed(machine.loadAverage1m.start, 2)} before the run and ${fixed(machine.loadAverage1m.end, 2)} after it (the bench alone adds
about 1; more means other processes were competing for the CPUs, and every figure is slower for it).

${report.method}

| workload | engine | persistence | steps | wall ms | min–max ms | steps/s | ms/step | setup ms (untimed) | check | target | verdict |
|---|---|---|--:|--:|--:|--:|--:|--:|---|---|---|
${workloadRows.join('\n')}

| figure | value | target | verdict |
|---|---|---|---|
${figureRows.join('\n')}

## History

One row per release, written by the \`--write-docs\` run for that version (\`bench/history.json\`); a row is only as
good as the load it was measured under.

| version | date | load (1 min) | chain ms/step | fan-out wall ms | submit 10k ms | peak RSS 10k MB | library import MB | \`--version\` CPU s | \`status\` CPU s | chain / Mastra |
|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|
${historyRows.join('\n')}

${END_MARKER}
`;
}

/**
 * Rewrites the generated part of docs/benchmarks.md (everything above END_MARKER) from
 * `report`, and records the run's headline figures in bench/history.json as the package
 * version's row. Returns the page's path.
 */
export function writeBenchmarksDoc(report: BenchReport, now = new Date()): string {
  const version = (JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string }).version;
  const recorded = existsSync(HISTORY) ? (JSON.parse(readFileSync(HISTORY, 'utf8')) as HistoryEntry[]) : [];
  const history = [
    historyEntry(report, version, now.toISOString().slice(0, 10)),
    ...recorded.filter((entry) => entry.version !== version),
  ].slice(0, HISTORY_ROWS);
  writeFileSync(HISTORY, `${JSON.stringify(history, null, 2)}\n`);
  const page = readFileSync(DOC, 'utf8');
  const markerAt = page.indexOf(END_MARKER);
  // The first regeneration finds no marker yet: the generated part then ends where the
  // hand-written PostgreSQL section begins.
  const handWrittenAt =
    markerAt >= 0
      ? markerAt + END_MARKER.length
      : page.indexOf('\n## PostgreSQL: Baton workers vs pg-boss and graphile-worker');
  if (handWrittenAt < 0)
    throw new Error(`${DOC} has neither the generated-part marker nor the PostgreSQL section to keep after it`);
  writeFileSync(DOC, `${markdown(report, history)}${page.slice(handWrittenAt).replace(/^\n*/, '\n')}`);
  return DOC;
}
