import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchJob, PgQueueSystem } from './system.js';
import { now, type ClockOffset, type WorkerFleet } from './worker-fleet.js';

/** How long one trial may take before the bench gives up on it (a stuck system is a failed run). */
const TRIAL_DEADLINE_MS = 120_000;

/** One timed throughput trial. */
export interface ThroughputTrial {
  jobs: number;
  /** From the enqueue call to the last job recorded as completed in the database. */
  wallMs: number;
  jobsPerSecond: number;
  /** How long the enqueue call took (one transaction of all the jobs, or a chain's first); part of `wallMs`. */
  enqueueMs: number;
  /** From the last job function returning to the database showing every job completed. */
  completionLagMs: number;
  duplicates: number;
  perWorker: number[];
}

/**
 * Enqueues `jobs` jobs to a fleet that is already running and idle, and times them: all at once
 * (`independent`), or as a sequential chain where each job becomes available when the one before
 * it is done (`chain`, PgQueueSystem.enqueueChain).
 *
 * The clock starts when the enqueue call starts, so the enqueue is counted: what a system does
 * to make the jobs available (for Baton, validating the plan and committing the run with every
 * dispatch) is work the jobs cannot run without. It stops at the first
 * moment the system's own tables show every job completed: once every job function has
 * reported back, the harness polls `progress()` about once a millisecond. Each job must have
 * run at least once, none may be recorded as failed, and no report may name a job that was not
 * enqueued; otherwise the trial throws.
 */
export async function throughputTrial(
  system: PgQueueSystem,
  fleet: WorkerFleet,
  args: { jobs: number; sleepMs: number; shape: 'independent' | 'chain' },
): Promise<ThroughputTrial> {
  const trial = newTrialId();
  const watch = fleet.expect(trial, args.jobs);
  const chain = args.shape === 'chain';
  const jobs: BenchJob[] = Array.from({ length: args.jobs }, (_, index) => ({
    trial,
    index,
    sleepMs: args.sleepMs,
    ...(chain && { chainLength: args.jobs }),
  }));
  const enqueueStartedAt = now();
  await (chain ? system.enqueueChain(jobs) : system.enqueue(jobs));
  const availableAt = now();
  await beforeDeadline(
    watch.done,
    availableAt + TRIAL_DEADLINE_MS,
    () => `${system.name}: ${watch.runs().ran} of ${args.jobs} jobs had run after ${TRIAL_DEADLINE_MS / 1_000} s`,
  );
  const completedAt = await waitUntilRecorded(system, trial, args.jobs, availableAt + TRIAL_DEADLINE_MS);
  const runs = watch.runs();
  fleet.forget(trial);
  if (fleet.strays > 0)
    throw new Error(`${system.name}: ${fleet.strays} job reports named a job that was not enqueued`);
  const wallMs = completedAt - enqueueStartedAt;
  return {
    jobs: args.jobs,
    wallMs,
    jobsPerSecond: (args.jobs * 1_000) / wallMs,
    enqueueMs: availableAt - enqueueStartedAt,
    completionLagMs: completedAt - runs.lastEndedAt,
    duplicates: runs.duplicates,
    perWorker: runs.perWorker,
  };
}

export interface LatencySamples {
  /** Milliseconds from the enqueue commit being acknowledged to the job function starting. */
  samplesMs: number[];
  /** How long each measured sample's enqueue call took (before its clock started). */
  enqueueMs: number[];
  warmUp: number;
  clockOffset: ClockOffset;
}

/**
 * Ready-to-start latency on an idle, listening fleet: one job at a time, each enqueued in its own
 * transaction after the previous one is recorded as completed and a random pause (20 ms plus up
 * to the system's poll interval, or up to 80 ms without one, so samples do not lock to the phase
 * of a poll loop). Measured from the commit being acknowledged to the enqueuing client (the job
 * is visible to others from then on) to the job function's first line, both read from the
 * host's wall clock; the ping-measured clock offset between the two processes is reported with it.
 */
export async function readyToStartLatency(
  system: PgQueueSystem,
  fleet: WorkerFleet,
  args: { samples: number; warmUp: number },
): Promise<LatencySamples> {
  const samplesMs: number[] = [];
  const enqueueMs: number[] = [];
  for (let sample = 0; sample < args.warmUp + args.samples; sample += 1) {
    await sleep(20 + Math.random() * (system.pollIntervalMs ?? 80));
    const trial = newTrialId();
    const watch = fleet.expect(trial, 1);
    const enqueueStartedAt = now();
    await system.enqueue([{ trial, index: 0, sleepMs: 0 }]);
    const availableAt = now();
    await beforeDeadline(
      watch.done,
      availableAt + TRIAL_DEADLINE_MS,
      () => `${system.name}: a single job had not started after ${TRIAL_DEADLINE_MS / 1_000} s`,
    );
    await waitUntilRecorded(system, trial, 1, availableAt + TRIAL_DEADLINE_MS);
    fleet.forget(trial);
    if (sample < args.warmUp) continue;
    samplesMs.push(watch.runs().firstStartedAt - availableAt);
    enqueueMs.push(availableAt - enqueueStartedAt);
  }
  const [clockOffset] = await fleet.clockOffsets();
  if (!clockOffset) throw new Error('no worker to measure the clock offset of');
  return { samplesMs, enqueueMs, warmUp: args.warmUp, clockOffset };
}

/** Polls the system's tables until none of the trial's jobs is unfinished; returns when it saw that. */
async function waitUntilRecorded(
  system: PgQueueSystem,
  trial: string,
  jobs: number,
  deadline: number,
): Promise<number> {
  for (;;) {
    const progress = await system.progress(trial);
    const seenAt = now();
    if (progress.failed > 0)
      throw new Error(`${system.name}: ${progress.failed} of ${jobs} jobs are recorded as failed`);
    if (progress.unfinished === 0) return seenAt;
    if (seenAt > deadline)
      throw new Error(
        `${system.name}: every job function returned, but ${progress.unfinished} of ${jobs} jobs are still not recorded as completed`,
      );
    await sleep(1);
  }
}

async function beforeDeadline(done: Promise<void>, deadline: number, message: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), Math.max(0, deadline - now()));
  });
  try {
    await Promise.race([done, expired]);
  } finally {
    clearTimeout(timer);
  }
}

const newTrialId = (): string => randomBytes(6).toString('hex');

/** The nearest-rank percentile (`p` in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
