/**
 * `npm run bench`: Baton and LangGraph side by side on the same no-op workloads (a 1,000-step
 * chain, a 1,000-way fan-out into one join), plus the peak RSS of a 10,000-step Baton chain in
 * a process of its own. A benchmark, not a test: it reports figures against the targets and
 * fails only when a run is wrong (a step missing, a ledger that does not verify).
 *
 * Flags: `--json` prints the results as JSON; `--runs=N` sets the measured runs (default 3).
 *
 * `--pg` runs the PostgreSQL bench instead (bench/pg/run-pg.ts): job systems with 1, 2 and 4
 * worker processes on one server. With it: `--concurrency=N` jobs at once per worker (default
 * 10), `--only=NAME` the systems whose name contains NAME. The database is
 * BATON_BENCH_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test.
 */
import { setMaxListeners } from 'node:events';
import { cpus, loadavg, platform, release } from 'node:os';
import { batonTrial } from './baton-workloads.js';
import { Checkpointing, langGraphTrial } from './langgraph-workloads.js';
import { measure, scratchDirectory } from './measure.js';
import { measurePeakRss } from './peak-rss.js';
import { toPgJson, toPgText } from './pg/report.js';
import { runPgBench } from './pg/run-pg.js';
import { toJson, toText, type BenchReport, type Target, type WorkloadResult } from './report.js';
import { Shape, stepCount, WORKLOAD_SIZE } from './workloads.js';

const RSS_CHAIN_STEPS = 10_000;

// The targets from the issue.
const CHAIN_TARGET: Target = { description: '<= 0.2 ms/step', metric: 'ms/step', limit: 0.2 };
const FAN_OUT_TARGET: Target = { description: '<= 100 ms wall', metric: 'wall ms', limit: 100 };
const RSS_TARGET: Target = { description: '<= 150 MB', metric: 'MB', limit: 150 };

interface Arguments {
  json: boolean;
  runs: number;
  pg: boolean;
  concurrency: number;
  only?: string;
}

function parseArguments(argv: string[]): Arguments {
  const parsed: Arguments = { json: false, runs: 3, pg: false, concurrency: 10 };
  for (const argument of argv) {
    if (argument === '--json') parsed.json = true;
    else if (argument === '--pg') parsed.pg = true;
    else if (argument.startsWith('--runs=')) parsed.runs = Number(argument.slice('--runs='.length));
    else if (argument.startsWith('--concurrency='))
      parsed.concurrency = Number(argument.slice('--concurrency='.length));
    else if (argument.startsWith('--only=')) parsed.only = argument.slice('--only='.length);
    else
      throw new Error(
        `unknown argument "${argument}"; expected --json, --runs=N, or --pg with --concurrency=N and --only=NAME`,
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
  const { json, runs, pg, concurrency, only } = parseArguments(process.argv.slice(2));
  const progress = (message: string) => process.stderr.write(`${message}\n`);
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
    progress(`peak RSS of a ${RSS_CHAIN_STEPS}-step baton chain (child process)...`);
    const peakRss = await measurePeakRss(RSS_CHAIN_STEPS, scratch.fresh('baton-rss'));
    const report: BenchReport = {
      method:
        `Each workload: 1 warm-up run (discarded), then the median of ${runs} measured runs. ` +
        'Baton: a fresh temporary workspace per run, timed from just before submit() (plan validation and pre-flight included) to result(). ' +
        'LangGraph: timed around invoke() only; SqliteSaver gets a fresh file per run.',
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
    };
    process.stdout.write(`${json ? JSON.stringify(toJson(report), null, 2) : toText(report)}\n`);
  } finally {
    scratch.remove();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
