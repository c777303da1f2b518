import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { WorkerLaunch } from './system.js';

/** The harness's clock: the same wall-clock milliseconds the workers report (worker-protocol.js). */
export const now = (): number => performance.timeOrigin + performance.now();

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const PING_TIMEOUT_MS = 1_000;
const STDERR_KEPT = 4_000;

/** What the job functions reported for one trial. */
export interface TrialRuns {
  /** Job indices that ran at least once (the trial is complete when this equals its size). */
  ran: number;
  /** Runs beyond the first of an index: 0 when each job ran exactly once. */
  duplicates: number;
  firstStartedAt: number;
  lastEndedAt: number;
  /** Job runs per worker process, in start order: shows whether every worker took a share. */
  perWorker: number[];
}

interface Tracker extends TrialRuns {
  runsByIndex: Uint32Array;
  settle: { resolve(): void; reject(error: Error): void };
}

/** The clock difference between the harness and one worker, from the ping with the shortest round trip. */
export interface ClockOffset {
  offsetMs: number;
  roundTripMs: number;
}

interface Worker {
  child: ChildProcess;
  stderr: string;
  exited: boolean;
}

/**
 * N worker processes of one system, started with `fork` (each its own OS process with an IPC
 * channel), and the bookkeeping of which job ran where and when. A worker that exits while the
 * fleet runs fails every trial in flight, with the end of its stderr in the message.
 */
export class WorkerFleet {
  private readonly trials = new Map<string, Tracker>();
  private readonly pongs = new Map<number, (at: number | undefined) => void>();
  private nextPing = 0;
  private stopping = false;
  private failure: Error | undefined;
  /** Reports for a trial or index the harness never enqueued: always a wrong result. */
  strays = 0;

  private constructor(private readonly workers: Worker[]) {}

  /** Starts `count` processes and resolves once every one of them is ready for work. */
  static async start(name: string, launch: WorkerLaunch, count: number): Promise<WorkerFleet> {
    const workers: Worker[] = [];
    const readiness: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const child = fork(launch.modulePath, launch.args, {
        // Bare `node`: no tsx loader inherited through execArgv or NODE_OPTIONS.
        execArgv: [],
        env: { ...process.env, NODE_OPTIONS: '', ...launch.env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const worker: Worker = { child, stderr: '', exited: false };
      workers.push(worker);
      child.stderr
        ?.setEncoding('utf8')
        .on('data', (chunk: string) => (worker.stderr = (worker.stderr + chunk).slice(-STDERR_KEPT)));
      readiness.push(waitUntilReady(`${name} worker ${i + 1}`, worker, launch.ready));
    }
    const fleet = new WorkerFleet(workers);
    workers.forEach((worker, index) => fleet.watch(name, worker, index));
    try {
      await Promise.all(readiness);
    } catch (error) {
      await fleet.stop().catch(() => undefined);
      throw error;
    }
    return fleet;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Registers a trial of `jobs` jobs before they are enqueued; `done` resolves when each has run at least once. */
  expect(trial: string, jobs: number): { done: Promise<void>; runs: () => TrialRuns } {
    if (this.failure) throw this.failure;
    let settle!: Tracker['settle'];
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    // A worker can die while nobody awaits `done` yet (during enqueue): that must not be an unhandled rejection.
    done.catch(() => undefined);
    const tracker: Tracker = {
      ran: 0,
      duplicates: 0,
      firstStartedAt: Number.POSITIVE_INFINITY,
      lastEndedAt: Number.NEGATIVE_INFINITY,
      perWorker: this.workers.map(() => 0),
      runsByIndex: new Uint32Array(jobs),
      settle,
    };
    this.trials.set(trial, tracker);
    const runs = (): TrialRuns => {
      const { ran, duplicates, firstStartedAt, lastEndedAt, perWorker } = tracker;
      return { ran, duplicates, firstStartedAt, lastEndedAt, perWorker: [...perWorker] };
    };
    return { done, runs };
  }

  /** Forgets a finished trial; later reports for it count as strays. */
  forget(trial: string): void {
    this.trials.delete(trial);
  }

  /**
   * For each worker, `rounds` IPC pings; the offset is the worker's clock minus the midpoint of
   * the round trip, taken from the fastest round trip (NTP's estimate; error at most half of it).
   * A worker that does not answer within a second (it never loaded worker-protocol.js) gets NaN.
   */
  async clockOffsets(rounds = 20): Promise<ClockOffset[]> {
    const offsets: ClockOffset[] = [];
    for (const worker of this.workers) {
      let best: ClockOffset = { offsetMs: Number.NaN, roundTripMs: Number.POSITIVE_INFINITY };
      for (let round = 0; round < rounds; round += 1) {
        const id = (this.nextPing += 1);
        let timer: NodeJS.Timeout | undefined;
        const answered = new Promise<number | undefined>((resolve) => {
          this.pongs.set(id, resolve);
          timer = setTimeout(() => resolve(undefined), PING_TIMEOUT_MS);
        });
        const sentAt = now();
        worker.child.send({ kind: 'bench-ping', id });
        const at = await answered;
        clearTimeout(timer);
        this.pongs.delete(id);
        if (at === undefined) break;
        const receivedAt = now();
        if (receivedAt - sentAt < best.roundTripMs)
          best = { offsetMs: at - (sentAt + receivedAt) / 2, roundTripMs: receivedAt - sentAt };
      }
      offsets.push(best);
    }
    return offsets;
  }

  /** SIGTERM to every worker, SIGKILL to any still running after 15 s. Throws if one stopped uncleanly. */
  async stop(): Promise<void> {
    this.stopping = true;
    const problems: string[] = [];
    await Promise.all(
      this.workers.map(async (worker, index) => {
        if (worker.exited) return;
        const exit = once(worker.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
        worker.child.kill('SIGTERM');
        const timer = setTimeout(() => worker.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const [code, signal] = await exit;
        clearTimeout(timer);
        if (code !== 0)
          problems.push(`worker ${index + 1} exited with ${code ?? signal} on stop: ${worker.stderr.trim()}`);
      }),
    );
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }

  private watch(name: string, worker: Worker, index: number): void {
    worker.child.on('message', (message: unknown) => this.receive(index, message));
    worker.child.once('exit', (code, signal) => {
      worker.exited = true;
      if (this.stopping) return;
      this.failure = new Error(
        `${name} worker ${index + 1} exited with ${code ?? signal} during the bench: ${worker.stderr.trim() || '(no stderr)'}`,
      );
      for (const tracker of this.trials.values()) tracker.settle.reject(this.failure);
    });
  }

  private receive(worker: number, message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const { kind } = message as { kind?: unknown };
    if (kind === 'bench-pong') {
      const { id, at } = message as { id: number; at: number };
      this.pongs.get(id)?.(at);
    } else if (kind === 'bench-ran') {
      for (const [trial, index, startedAt, endedAt] of (message as { jobs: [string, number, number, number][] }).jobs) {
        this.record(worker, trial, index, startedAt, endedAt);
      }
    }
  }

  private record(worker: number, trial: string, index: number, startedAt: number, endedAt: number): void {
    const tracker = this.trials.get(trial);
    if (!tracker || index < 0 || index >= tracker.runsByIndex.length) {
      this.strays += 1;
      return;
    }
    const previous = tracker.runsByIndex[index] ?? 0;
    tracker.runsByIndex[index] = previous + 1;
    tracker.perWorker[worker] = (tracker.perWorker[worker] ?? 0) + 1;
    tracker.firstStartedAt = Math.min(tracker.firstStartedAt, startedAt);
    tracker.lastEndedAt = Math.max(tracker.lastEndedAt, endedAt);
    if (previous > 0) {
      tracker.duplicates += 1;
      return;
    }
    tracker.ran += 1;
    if (tracker.ran === tracker.runsByIndex.length) tracker.settle.resolve();
  }
}

function waitUntilReady(label: string, worker: Worker, ready: WorkerLaunch['ready']): Promise<void> {
  const { child } = worker;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} was not ready after ${READY_TIMEOUT_MS / 1_000} s: ${worker.stderr.trim()}`)),
      READY_TIMEOUT_MS,
    );
    const finish = () => {
      clearTimeout(timer);
      resolve();
    };
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${label} exited with ${code ?? signal} before it was ready: ${worker.stderr.trim() || '(no stderr)'}`,
        ),
      );
    });
    if (ready.kind === 'message') {
      child.on('message', (message: unknown) => {
        if ((message as { kind?: unknown } | null)?.kind === 'bench-ready') finish();
      });
      child.stdout?.resume();
    } else if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (ready.line.test(line)) finish();
      });
    }
  });
}
