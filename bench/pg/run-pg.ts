/**
 * `npm run bench -- --pg`: job systems on one PostgreSQL server, each with 1, 2 and 4 worker
 * processes at the same concurrency, on the same jobs (no-op, and a 20 ms sleep), plus the
 * ready-to-start latency of an idle worker and the server's sequential commit rate as the
 * reference line. Which systems: bench/pg/systems.ts. How they are timed: bench/pg/trials.ts.
 */
import { cpus, loadavg, platform, release } from 'node:os';
import { measure } from '../measure.js';
import { sequentialCommitRate } from './commit-rate.js';
import { benchDatabaseUrl, BenchServer, describeUrl } from './database.js';
import type { PgBenchReport, PgLatencyRow, PgThroughputRow } from './report.js';
import type { PgQueueSystem } from './system.js';
import { pgSystems } from './systems.js';
import { percentile, readyToStartLatency, throughputTrial, type ThroughputTrial } from './trials.js';
import { WorkerFleet } from './worker-fleet.js';

export interface PgBenchOptions {
  /** Measured runs per throughput figure, after one warm-up run (median reported). */
  runs: number;
  /** Jobs each worker process runs at once. */
  concurrency: number;
  /** Only the systems whose name contains this (case-insensitive); all when undefined. */
  only?: string;
}

const WORKER_COUNTS = [1, 2, 4];
// Sizes chosen so the whole --pg bench takes 3-4.5 minutes on the 2-core machine (4 systems): a
// no-op trial lasts 0.3-3 s at the rates seen here, a sleep trial 0.6-3 s.
const NO_OP_JOBS = 2_000;
const SLEEP_JOBS = 1_000;
const SLEEP_MS = 20;
// A chain's steps run one after another, so its trial lasts steps x the per-step round trips:
// 2.5-4 s at the 12-17 ms/step measured for the systems woken by NOTIFY.
const CHAIN_JOBS = 200;
const LATENCY_SAMPLES = 60;
const LATENCY_WARM_UP = 5;
const SEQUENTIAL_COMMITS = 2_000;

/**
 * The issue's targets for Baton's workers; peers are shown next to them, not judged. Two are
 * relative to peers in the same run (judgeAgainstPeers): no-op steps/s with 4 workers at least
 * `noOpTimesPeersWith4Workers` times pg-boss's and batched graphile-worker's, and a sequential
 * chain with 1 worker at most graphile-worker's ms/step.
 */
export const PG_TARGETS = {
  noOpJobsPerSecondWith4Workers: 3_000,
  noOpTimesPeersWith4Workers: 2,
  readyToStartP50Ms: 5,
} as const;

/** The peers the relative targets name, as pgSystems names them. */
const NO_OP_PEERS = ['graphile-worker, batched', 'pg-boss, LISTEN/NOTIFY'];
const CHAIN_PEER = 'graphile-worker';

export async function runPgBench(options: PgBenchOptions, progress: (message: string) => void): Promise<PgBenchReport> {
  const loadAtStart = loadavg()[0] ?? 0;
  const server = await BenchServer.connect(benchDatabaseUrl());
  try {
    const allSystems = await pgSystems();
    const systems = allSystems
      .map((make) => make())
      .filter((system) => !options.only || system.name.toLowerCase().includes(options.only.toLowerCase()));
    if (systems.length === 0)
      throw new Error(
        `--only=${options.only} matches no system; the systems are: ${allSystems.map((make) => make().name).join(', ')}`,
      );
    progress(`sequential commits on ${describeUrl(server.url)}...`);
    const commitRate = await measure(options.runs, async () => {
      const rate = await sequentialCommitRate(server, SEQUENTIAL_COMMITS);
      return { wallMs: rate.wallMs, setupMs: 0 };
    });
    const throughput: PgThroughputRow[] = [];
    const latency: PgLatencyRow[] = [];
    for (const system of systems) {
      const rows = await measureSystem(server, system, options, progress);
      throughput.push(...rows.throughput);
      latency.push(rows.latency);
    }
    judgeAgainstPeers(throughput);
    return {
      machine: {
        node: process.version,
        platform: `${platform()} ${release()}`,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        loadAverage1m: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      },
      server: {
        at: describeUrl(server.url),
        version: server.serverVersion,
        settings: await server.durabilitySettings(),
      },
      runs: options.runs,
      concurrency: options.concurrency,
      commitRate: {
        commits: SEQUENTIAL_COMMITS,
        measurement: commitRate,
        commitsPerSecond: (SEQUENTIAL_COMMITS * 1_000) / commitRate.wallMs,
      },
      systems: systems.map(({ name, version, configuration }) => ({ name, version, configuration })),
      throughput,
      latency,
      targets: PG_TARGETS,
    };
  } finally {
    await server.close();
  }
}

async function measureSystem(
  server: BenchServer,
  system: PgQueueSystem,
  options: PgBenchOptions,
  progress: (message: string) => void,
): Promise<{ throughput: PgThroughputRow[]; latency: PgLatencyRow }> {
  const db = await server.freshSchema(system.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase());
  const throughput: PgThroughputRow[] = [];
  let latency: PgLatencyRow | undefined;
  try {
    await system.prepare(db);
    for (const workers of WORKER_COUNTS) {
      progress(`${system.name}: starting ${workers} worker process${workers > 1 ? 'es' : ''}...`);
      const fleet = await WorkerFleet.start(
        system.name,
        system.workerLaunch({ concurrency: options.concurrency }),
        workers,
      );
      try {
        // Each process runs its trials back to back and is stopped after them; the first trial of
        // each workload is the warm-up (JIT, connection pools, the server's caches).
        // The chain runs with 1 worker (one step at a time needs no more), and not on a system
        // that only polls: each step would wait out the interval.
        for (const workload of [
          { name: 'no-op', jobs: NO_OP_JOBS, sleepMs: 0, shape: 'independent' },
          { name: `sleep ${SLEEP_MS} ms`, jobs: SLEEP_JOBS, sleepMs: SLEEP_MS, shape: 'independent' },
          ...(workers === 1 && system.pollIntervalMs === undefined
            ? [{ name: 'chain, no-op', jobs: CHAIN_JOBS, sleepMs: 0, shape: 'chain' } as const]
            : []),
        ] as const) {
          progress(
            `${system.name}: ${workers} worker${workers > 1 ? 's' : ''}, ${workload.jobs} ${workload.name} jobs...`,
          );
          const trials: ThroughputTrial[] = [];
          const measurement = await measure(options.runs, async () => {
            const trial = await throughputTrial(system, fleet, workload);
            trials.push(trial);
            return { wallMs: trial.wallMs, setupMs: trial.enqueueMs };
          });
          const measured = trials.slice(1);
          throughput.push({
            system: system.name,
            workload: workload.name,
            workers,
            concurrency: options.concurrency,
            jobs: workload.jobs,
            measurement,
            jobsPerSecond: (workload.jobs * 1_000) / measurement.wallMs,
            ...(workload.sleepMs > 0 && {
              ceilingJobsPerSecond: (workers * options.concurrency * 1_000) / workload.sleepMs,
            }),
            completionLagMs: median(measured.map((trial) => trial.completionLagMs)),
            duplicates: measured.reduce((sum, trial) => sum + trial.duplicates, 0),
            perWorker: measured.at(-1)?.perWorker ?? [],
            ...(system.judgedAgainstTargets &&
              workers === 4 &&
              workload.sleepMs === 0 && {
                target: {
                  description: `>= ${PG_TARGETS.noOpJobsPerSecondWith4Workers} jobs/s`,
                  met: (workload.jobs * 1_000) / measurement.wallMs >= PG_TARGETS.noOpJobsPerSecondWith4Workers,
                },
              }),
          });
        }
        if (workers === 1) {
          progress(`${system.name}: ready-to-start latency, ${LATENCY_SAMPLES} single jobs...`);
          const samples = await readyToStartLatency(system, fleet, {
            samples: LATENCY_SAMPLES,
            warmUp: LATENCY_WARM_UP,
          });
          const p50Ms = percentile(samples.samplesMs, 50);
          latency = {
            system: system.name,
            samples: samples.samplesMs.length,
            p50Ms,
            p95Ms: percentile(samples.samplesMs, 95),
            minMs: Math.min(...samples.samplesMs),
            maxMs: Math.max(...samples.samplesMs),
            enqueueP50Ms: percentile(samples.enqueueMs, 50),
            clockOffsetMs: samples.clockOffset.offsetMs,
            clockRoundTripMs: samples.clockOffset.roundTripMs,
            samplesMs: samples.samplesMs,
            ...(system.judgedAgainstTargets && {
              target: {
                description: `p50 <= ${PG_TARGETS.readyToStartP50Ms} ms`,
                met: p50Ms <= PG_TARGETS.readyToStartP50Ms,
              },
            }),
          };
        }
      } catch (error) {
        // The error that stopped the trials is the one to report, not a worker's complaint on stop.
        await fleet.stop().catch(() => undefined);
        throw error;
      }
      await fleet.stop();
    }
  } finally {
    await system.close();
    await server.dropSchema(db.schema);
  }
  if (!latency) throw new Error(`${system.name}: the latency probe did not run (it needs a 1-worker fleet)`);
  return { throughput, latency };
}

/**
 * Adds the relative targets to Baton's rows once every system has run: its 4-worker no-op rate
 * against the peers' (NO_OP_PEERS) and its 1-worker chain against CHAIN_PEER's. A peer that was
 * not measured (`--only`) is left out of the description; with none, the row keeps what it had.
 */
function judgeAgainstPeers(rows: PgThroughputRow[]): void {
  const find = (system: string, workload: string, workers: number) =>
    rows.find((row) => row.system === system && row.workload === workload && row.workers === workers);
  const batonNoOp = find('Baton', 'no-op', 4);
  const peersNoOp = NO_OP_PEERS.map((name) => find(name, 'no-op', 4)).filter((row) => row !== undefined);
  if (batonNoOp && peersNoOp.length > 0) {
    const times = PG_TARGETS.noOpTimesPeersWith4Workers;
    const best = Math.max(...peersNoOp.map((row) => row.jobsPerSecond));
    batonNoOp.target = {
      description: `>= ${PG_TARGETS.noOpJobsPerSecondWith4Workers} jobs/s and >= ${times}x ${peersNoOp.map((row) => `${row.system} (${Math.round(row.jobsPerSecond)})`).join(', ')}`,
      met:
        batonNoOp.jobsPerSecond >= PG_TARGETS.noOpJobsPerSecondWith4Workers && batonNoOp.jobsPerSecond >= times * best,
    };
  }
  const batonChain = find('Baton', 'chain, no-op', 1);
  const peerChain = find(CHAIN_PEER, 'chain, no-op', 1);
  if (batonChain && peerChain) {
    const peerMsPerJob = peerChain.measurement.wallMs / peerChain.jobs;
    batonChain.target = {
      description: `<= ${CHAIN_PEER}'s ${peerMsPerJob.toFixed(2)} ms/job`,
      met: batonChain.measurement.wallMs / batonChain.jobs <= peerMsPerJob,
    };
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}
