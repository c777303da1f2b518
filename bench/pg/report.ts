import type { Measurement } from '../measure.js';

export interface PgThroughputRow {
  system: string;
  /** `no-op`, `sleep 20 ms` or `chain, no-op` (each job available once the one before it is done). */
  workload: string;
  workers: number;
  concurrency: number;
  jobs: number;
  /** Wall times of the trials: median, min, max, and the enqueue time as `setupMs`. */
  measurement: Measurement;
  /** From the median wall time. */
  jobsPerSecond: number;
  /** Sleeping jobs only: workers × concurrency / sleep, what no overhead at all would give. */
  ceilingJobsPerSecond?: number;
  /** Median time from the last job function returning to the database showing all completed. */
  completionLagMs: number;
  /** Runs beyond the first of a job, summed over the measured trials. */
  duplicates: number;
  /** Jobs per worker process in the last measured trial. */
  perWorker: number[];
  target?: { description: string; met: boolean };
}

export interface PgLatencyRow {
  system: string;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  /** Median duration of the single-job enqueue call, which ends where each sample's clock starts. */
  enqueueP50Ms: number;
  /** The worker's clock minus the harness's, measured by IPC ping, and that ping's round trip. */
  clockOffsetMs: number;
  clockRoundTripMs: number;
  samplesMs: number[];
  target?: { description: string; met: boolean };
}

export interface PgBenchReport {
  machine: {
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    loadAverage1m: { start: number; end: number };
  };
  server: { at: string; version: string; settings: string };
  runs: number;
  concurrency: number;
  commitRate: { commits: number; measurement: Measurement; commitsPerSecond: number };
  systems: { name: string; version: string; configuration: string }[];
  throughput: PgThroughputRow[];
  latency: PgLatencyRow[];
  targets: { noOpJobsPerSecondWith4Workers: number; noOpTimesPeersWith4Workers: number; readyToStartP50Ms: number };
}

/** How the figures are taken, printed with them (docs/benchmarks.md says the same at more length). */
export function pgMethod(report: PgBenchReport): string[] {
  return [
    `Workers are separate \`node\` processes (child_process.fork), each running ${report.concurrency} jobs at once; every system gets a fresh schema on the same server, dropped after.`,
    `Throughput: jobs enqueued in one transaction to idle, listening workers. Wall = from the enqueue call (so the enqueue is counted) to the first moment the system's own tables show every job completed (polled every ~1 ms once every job function has reported).`,
    `Chain: one worker; the first job is enqueued and each job makes the next one available as it ends (Baton: a run whose steps are each after the one before; a peer: the job adds the next). Not run for a system that only polls.`,
    `Each figure: 1 warm-up trial (discarded), then the median of ${report.runs}. Every job must run (counted per job over IPC), none may be recorded as failed; "once" = no job ran twice.`,
    'Latency: one job at a time to 1 idle worker, after a random 20 ms + up to the poll interval (or 80 ms) pause; from the enqueue commit acknowledged to the job function starting, both on the host wall clock.',
  ];
}

export function toPgText(report: PgBenchReport): string {
  const { machine, server, commitRate } = report;
  const judged = report.throughput.some((row) => row.target) || report.latency.some((row) => row.target);
  const throughputTable = formatTable(
    [
      'system',
      'workload',
      'workers',
      'jobs',
      'wall ms',
      'min-max ms',
      'jobs/s',
      'ms/job',
      'ceiling/s',
      'enqueue ms',
      'lag ms',
      'check',
      ...(judged ? ['target', 'verdict'] : []),
    ],
    report.throughput.map((row) => [
      row.system,
      row.workload,
      String(row.workers),
      String(row.jobs),
      row.measurement.wallMs.toFixed(1),
      `${row.measurement.minMs.toFixed(1)}-${row.measurement.maxMs.toFixed(1)}`,
      Math.round(row.jobsPerSecond).toLocaleString('en-US'),
      (row.measurement.wallMs / row.jobs).toFixed(3),
      row.ceilingJobsPerSecond ? Math.round(row.ceilingJobsPerSecond).toLocaleString('en-US') : '',
      row.measurement.setupMs.toFixed(1),
      row.completionLagMs.toFixed(1),
      `${row.duplicates === 0 ? 'once' : `${row.duplicates} duplicate runs`}; split ${row.perWorker.join('/')}`,
      ...(judged ? [row.target?.description ?? '', row.target ? (row.target.met ? 'met' : 'MISSED') : ''] : []),
    ]),
    new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]),
  );
  const latencyTable = formatTable(
    [
      'system',
      'samples',
      'p50 ms',
      'p95 ms',
      'min-max ms',
      'enqueue p50 ms',
      'clock offset ms',
      ...(judged ? ['target', 'verdict'] : []),
    ],
    report.latency.map((row) => [
      row.system,
      String(row.samples),
      row.p50Ms.toFixed(2),
      row.p95Ms.toFixed(2),
      `${row.minMs.toFixed(2)}-${row.maxMs.toFixed(2)}`,
      row.enqueueP50Ms.toFixed(2),
      Number.isFinite(row.clockOffsetMs)
        ? `${row.clockOffsetMs.toFixed(3)} (±${(row.clockRoundTripMs / 2).toFixed(3)})`
        : 'not measured',
      ...(judged ? [row.target?.description ?? '', row.target ? (row.target.met ? 'met' : 'MISSED') : ''] : []),
    ]),
    new Set([1, 2, 3, 4, 5, 6]),
  );
  return [
    `PostgreSQL job systems, 1/2/4 worker processes x concurrency ${report.concurrency} (${machine.cpus} CPUs, ${machine.cpuModel}, Node ${machine.node}, ${machine.platform})`,
    `PostgreSQL ${server.version} at ${server.at} (${server.settings})`,
    `1-minute load average: ${machine.loadAverage1m.start.toFixed(2)} before the run, ${machine.loadAverage1m.end.toFixed(2)} after it.`,
    ...pgMethod(report),
    '',
    `Reference: sequential commits on one connection (single-row INSERT, autocommit): ${Math.round(commitRate.commitsPerSecond).toLocaleString('en-US')} commits/s` +
      ` (median of ${report.runs} x ${commitRate.commits}; ${commitRate.measurement.minMs.toFixed(0)}-${commitRate.measurement.maxMs.toFixed(0)} ms)`,
    '',
    'Throughput',
    throughputTable,
    '',
    'Ready-to-start latency, 1 idle worker',
    latencyTable,
    '',
    'ceiling/s = workers x concurrency / sleep: the rate with zero overhead. enqueue ms = the one-transaction enqueue (a chain: its first job), inside wall ms.',
    'lag ms = from the last job function returning to the database showing all completed (inside wall ms). split = jobs per worker process, last trial.',
    'enqueue p50 ms = the single-job enqueue call, which ends where a latency sample starts. A sample below 0: the job started before the enqueuing process got to read its clock after the commit.',
    'clock offset = worker clock minus harness clock (IPC ping, ± half the fastest round trip).',
    '',
    'Configurations:',
    ...report.systems.map((system) => `- ${system.name} ${system.version}: ${system.configuration}`),
    '',
    `Targets for Baton's workers (the issue): >= ${report.targets.noOpJobsPerSecondWith4Workers.toLocaleString('en-US')} no-op jobs/s with 4 workers (enqueue counted) and >= ${report.targets.noOpTimesPeersWith4Workers}x pg-boss and graphile-worker (batched) in the same run; a 1-worker chain at most graphile-worker's ms/job; ready-to-start p50 <= ${report.targets.readyToStartP50Ms} ms.`,
  ].join('\n');
}

export function toPgJson(report: PgBenchReport): unknown {
  return {
    ...report,
    method: pgMethod(report),
    throughput: report.throughput.map((row) => ({
      ...row,
      jobsPerSecond: Math.round(row.jobsPerSecond),
      wallMs: round(row.measurement.wallMs, 2),
    })),
    latency: report.latency.map((row) => ({ ...row, samplesMs: row.samplesMs.map((sample) => round(sample, 3)) })),
  };
}

/** An aligned text table; `numeric` columns are right-aligned. */
function formatTable(header: string[], rows: string[][], numeric: Set<number>): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
