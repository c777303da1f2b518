/**
 * `npm run bench`: Baton, LangGraph and Mastra side by side on the same no-op workloads (a
 * 1,000-step chain, a 1,000-way fan-out into one join), Baton's submit of a 10,000-step plan, plus the peak RSS of a 10,000-step Baton
 * chain in a process of its own and the start-up costs of the library and the CLI. A benchmark, not a test: it reports figures against the targets and
 * fails only when a run is wrong (a step missing, a ledger that does not verify).
 *
 * Flags: `--json` prints the results as JSON; `--runs=N` sets the measured runs (default 3);
 * `--write-docs` rewrites the generated part of docs/benchmarks.md from this run (and records
 * its figures in bench/history.json under the package's version).
 *
 * `--baseline REF` (or `--baseline=REF`) instead builds REF in a temporary git worktree and
 * runs Baton's workloads and start-up costs paired with the working tree, printing ratios.
 *
 * `--pg` runs the PostgreSQL bench instead (bench/pg/run-pg.ts): job systems with 1, 2 and 4
 * worker processes on one server. With it: `--concurrency=N` jobs at once per worker (default
 * 10), `--only=NAME` the systems whose name contains NAME. The database is
 * BATON_BENCH_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test.
 */
import { setMaxListeners } from 'node:events';
import { cpus, loadavg, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { baselineText, runBaseline } from './baseline.js';
import { batonSubmitTrial, batonTrial } from './baton-workloads.js';
import { writeBenchmarksDoc } from './benchmarks-doc.js';
import { Checkpointing, langGraphTrial } from './langgraph-workloads.js';
import { measure, scratchDirectory, type Trial } from './measure.js';
import { measurePeakRss } from './peak-rss.js';
import { toPgJson, toPgText } from './pg/report.js';
import { runPgBench } from './pg/run-pg.js';
import { toJson, toText, type BenchReport, type Target, type WorkloadResult } from './report.js';
import { prepareStatusWorkspace, startupCost, type StartupCost } from './startup-cost.js';
import { Shape, stepCount, SUBMIT_STEPS, SUBMIT_WORKLOAD, WORKLOAD_SIZE } from './workloads.js';

const RSS_CHAIN_STEPS = 10_000;

// The targets from the issue.
const CHAIN_TARGET: Target = { description: '<= 0.10 ms/step', metric: 'ms/step', limit: 0.1 };
const FAN_OUT_TARGET: Target = { description: '<= 50 ms wall', metric: 'wall ms', limit: 50 };
const SUBMIT_TARGET: Target = { description: '<= 250 ms wall', metric: 'wall ms', limit: 250 };
const RSS_TARGET: Target = { description: '<= 120 MB', metric: 'MB', limit: 120 };
const LIBRARY_IMPORT_TARGET: Target = { description: '<= 60 MB', metric: 'MB', limit: 60 };
const CLI_CPU_TARGET: Target = { description: '<= 0.35 s CPU', metric: 'CPU s', limit: 0.35 };
const VERSUS_MASTRA_TARGET: Target = { description: '<= 0.5x Mastra', metric: 'x Mastra', limit: 0.5 };

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// A specifier TypeScript does not follow: Mastra is a bench-only peer in its own install
// (bench/peers, type-checked by bench/peers/tsconfig.json), so the root type check passes without it.
const MASTRA_MODULE = new URL('./peers/mastra.ts', import.meta.url).href;

async function loadMastraTrial(): Promise<(shape: Shape, size: number) => Promise<Trial>> {
  try {
    return ((await import(MASTRA_MODULE)) as { mastraTrial: (shape: Shape, size: number) => Promise<Trial> })
      .mastraTrial;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Mastra is not installed (${reason}); \`npm run bench:peers\` installs it`);
  }
}

/** The start-up costs of the working tree's build: one warm-up, then the median of `runs` readings each. */
function medianStartupCost(runs: number, workspace: string): StartupCost {
  prepareStatusWorkspace(ROOT, workspace);
  startupCost(ROOT, workspace);
  const readings = Array.from({ length: runs }, () => startupCost(ROOT, workspace));
  const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const cost = (pick: (reading: StartupCost) => StartupCost['version']) => ({
    cpuMs: middle(readings.map((reading) => pick(reading).cpuMs)),
    maxRssKB: middle(readings.map((reading) => pick(reading).maxRssKB)),
  });
  return {
    libraryImport: cost((reading) => reading.libraryImport),
    version: cost((reading) => reading.version),
    status: cost((reading) => reading.status),
  };
}

interface Arguments {
  json: boolean;
  writeDocs: boolean;
  baseline?: string;
  runs: number;
  pg: boolean;
  concurrency: number;
  only?: string;
}

function parseArguments(argv: string[]): Arguments {
  const parsed: Arguments = { json: false, writeDocs: false, runs: 3, pg: false, concurrency: 10 };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument === '--json') parsed.json = true;
    else if (argument === '--write-docs') parsed.writeDocs = true;
    else if (argument === '--baseline') {
      parsed.baseline = argv[index + 1];
      index += 1;
      if (parsed.baseline === undefined || parsed.baseline.startsWith('--'))
        throw new Error('--baseline needs a git ref: --baseline main, --baseline HEAD~3, --baseline <tag>');
    } else if (argument.startsWith('--baseline=')) parsed.baseline = argument.slice('--baseline='.length);
    else if (argument === '--pg') parsed.pg = true;
    else if (argument.startsWith('--runs=')) parsed.runs = Number(argument.slice('--runs='.length));
    else if (argument.startsWith('--concurrency='))
      parsed.concurrency = Number(argument.slice('--concurrency='.length));
    else if (argument.startsWith('--only=')) parsed.only = argument.slice('--only='.length);
    else
      throw new Error(
        `unknown argument "${argument}"; expected --json, --runs=N, --write-docs, --baseline REF, or --pg with --concurrency=N and --only=NAME`,
      );
  }
  if (!Number.isInteger(parsed.runs) || parsed.runs < 1) throw new Error('--runs must be a whole number of at least 1');
  if (!Number.isInteger(parsed.concurrency) || parsed.concurrency < 1)
    throw new Error('--concurrency must be a whole number of at least 1');
  if (!parsed.pg && argv.some((argument) => argument.startsWith('--concurrency=') || argument.startsWith('--only='))) {
    throw new Error('--concurrency and --only apply to the PostgreSQL bench only: add --pg');
  }
  return parsed;
}

async function main(): Promise<void> {
  const { json, runs, pg, concurrency, only, baseline, writeDocs } = parseArguments(process.argv.slice(2));
  const progress = (message: string) => process.stderr.write(`${message}\n`);
  if (baseline !== undefined) {
    const scratch = scratchDirectory();
    try {
      const report = runBaseline(baseline, runs, scratch, progress);
      process.stdout.write(`${json ? JSON.stringify(report, null, 2) : baselineText(report)}\n`);
    } finally {
      scratch.remove();
    }
    return;
  }
  if (pg) {
    const report = await runPgBench({ runs, concurrency, ...(only !== undefined && { only }) }, progress);
    process.stdout.write(`${json ? JSON.stringify(toPgJson(report), null, 2) : toPgText(report)}\n`);
    return;
  }
  // LangGraph adds one abort listener per task running at once; with 1,000 branches Node warns
  // about a listener leak on every run. The warning is noise here and would clutter the output.
  setMaxListeners(WORKLOAD_SIZE * 2);
  // The machine may be shared: the load average around the run says how far to trust it.
  const loadAtStart = loadavg()[0] ?? 0;
  const scratch = scratchDirectory();
  const workloads: WorkloadResult[] = [];
  try {
    for (const shape of [Shape.chain, Shape.fanOut]) {
      progress(`baton ${shape}...`);
      const measurement = await measure(runs, () => batonTrial(shape, WORKLOAD_SIZE, scratch.fresh(`baton-${shape}`)));
      workloads.push({
        shape,
        engine: 'Baton',
        persistence: 'SQLite (WAL)',
        steps: stepCount(shape, WORKLOAD_SIZE),
        measurement,
        check: `ledger verified (${measurement.ledgerEvents} events)`,
        target: shape === Shape.chain ? CHAIN_TARGET : FAN_OUT_TARGET,
      });
    }
    progress(`baton ${SUBMIT_WORKLOAD} of a ${SUBMIT_STEPS}-step chain...`);
    const submitted = await measure(runs, () => batonSubmitTrial(SUBMIT_STEPS, scratch.fresh('baton-submit')));
    workloads.push({
      shape: SUBMIT_WORKLOAD,
      engine: 'Baton',
      persistence: 'SQLite (WAL)',
      steps: SUBMIT_STEPS,
      measurement: submitted,
      check: `run aborted after the submit, ledger verified (${submitted.ledgerEvents} events)`,
      target: SUBMIT_TARGET,
    });
    for (const checkpointing of [Checkpointing.none, Checkpointing.memory, Checkpointing.sqlite]) {
      for (const shape of [Shape.chain, Shape.fanOut]) {
        progress(`langgraph ${shape} (${checkpointing})...`);
        const measurement = await measure(runs, () =>
          langGraphTrial(shape, WORKLOAD_SIZE, checkpointing, `${scratch.fresh(`langgraph-${shape}`)}.sqlite`),
        );
        workloads.push({
          shape,
          engine: 'LangGraph',
          persistence:
            checkpointing === Checkpointing.none
              ? 'none (in memory)'
              : checkpointing === Checkpointing.memory
                ? 'MemorySaver'
                : 'SqliteSaver (WAL)',
          steps: stepCount(shape, WORKLOAD_SIZE),
          measurement,
          check: 'each node ran once',
        });
      }
    }
    const mastraTrial = await loadMastraTrial();
    for (const shape of [Shape.chain, Shape.fanOut]) {
      progress(`mastra ${shape}...`);
      const measurement = await measure(runs, () => mastraTrial(shape, WORKLOAD_SIZE));
      workloads.push({
        shape,
        engine: 'Mastra',
        persistence: 'none (in memory)',
        steps: stepCount(shape, WORKLOAD_SIZE),
        measurement,
        check: 'run succeeded, each step ran once',
      });
    }
    progress('start-up costs of the built CLI and library (child processes)...');
    const startup = medianStartupCost(runs, scratch.fresh('baton-status'));
    progress(`peak RSS of a ${RSS_CHAIN_STEPS}-step baton chain (child process)...`);
    const peakRss = await measurePeakRss(RSS_CHAIN_STEPS, scratch.fresh('baton-rss'));
    const report: BenchReport = {
      method:
        `Each workload: 1 warm-up run (discarded), then the median of ${runs} measured runs. ` +
        'Baton: a fresh temporary workspace per run, timed from just before submit() (plan validation and pre-flight included) to result(); ' +
        `its ${SUBMIT_WORKLOAD} row times submit() alone on a ${SUBMIT_STEPS.toLocaleString('en-US')}-step chain (validation, pre-flight and the first commit), then aborts the run untimed. ` +
        'LangGraph: timed around invoke() only; SqliteSaver gets a fresh file per run. ' +
        'Mastra: timed around createRunAsync() and start() only, with no storage.',
      machine: {
        node: process.version,
        platform: `${platform()} ${release()}`,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        loadAverage1m: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      },
      workloads,
      peakRss,
      peakRssTarget: RSS_TARGET,
      startup,
      startupTargets: { libraryImport: LIBRARY_IMPORT_TARGET, version: CLI_CPU_TARGET, status: CLI_CPU_TARGET },
      versusMastraTarget: VERSUS_MASTRA_TARGET,
    };
    process.stdout.write(`${json ? JSON.stringify(toJson(report), null, 2) : toText(report)}\n`);
    if (writeDocs) progress(`wrote ${writeBenchmarksDoc(report)}`);
  } finally {
    scratch.remove();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
