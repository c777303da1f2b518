/**
 * What a job system has to provide to be measured by `npm run bench -- --pg`. The harness
 * (bench/pg/trials.ts) owns every clock and every count; a system only installs itself,
 * says how to start one worker process, enqueues jobs and says how many of a trial's jobs
 * its own tables still hold as unfinished. That way Baton and its peers are timed by the
 * same code, with the same start and end points, and none of them times itself.
 *
 * Baton's adapter implements this too: `prepare` migrates its schema, `workerLaunch` names
 * `bin/baton.js worker --db URL --concurrency N --capabilities FILE`, whose capability calls
 * `runBenchJob` from bench/pg/worker-protocol.js, `enqueue` submits the jobs as one run's
 * independent steps, and `progress` counts that run's steps not yet finished.
 */

/** The schema a system is given on the shared server: created empty for it, dropped after. */
export interface PgBenchDatabase {
  /** Connection string of the database every system shares. */
  url: string;
  /** A schema created for this system alone; the harness drops it, and all in it, at the end. */
  schema: string;
}

/**
 * One job of a trial, as its payload. The job function (`runBenchJob` in worker-protocol.js)
 * reads exactly these fields, sleeps `sleepMs` (0: a no-op), and reports `trial`/`index` back.
 */
export interface BenchJob {
  trial: string;
  index: number;
  sleepMs: number;
  /**
   * A sequential chain's length: job `index` + 1 becomes available only once job `index` is
   * done. Absent for independent jobs.
   */
  chainLength?: number;
}

/**
 * How to start one worker process. It is started with `child_process.fork`, so it has an IPC
 * channel; the job function reports through it.
 */
export interface WorkerLaunch {
  /** The JavaScript file `node` runs (plain JS or the compiled CLI: no TypeScript loader is injected). */
  modulePath: string;
  args: string[];
  env?: Record<string, string>;
  /**
   * When the process may be given work: `message` when it sends `reportReady()` over IPC (after its
   * listener is established), or the first stdout line matching a pattern (for a CLI that prints one).
   */
  ready: { kind: 'message' } | { kind: 'stdout'; line: RegExp };
}

/** What the database says about a trial's jobs. */
export interface TrialProgress {
  /** Jobs of the trial that are neither recorded as completed nor as failed. */
  unfinished: number;
  /** Jobs recorded as failed (a wrong result: the job function never throws). */
  failed: number;
}

export interface PgQueueSystem {
  /** Shown in the report, e.g. `graphile-worker`. */
  name: string;
  /** Package version, e.g. `0.18.0`. */
  version: string;
  /** One sentence: how it is configured (concurrency, polling, notifications, batching). */
  configuration: string;
  /** Baton only: its rows get a verdict against the targets (bench/pg/run-pg.ts). Peers have none. */
  judgedAgainstTargets?: boolean;
  /**
   * When workers find new jobs by polling only, the poll interval; the latency probe waits a
   * random fraction of it between samples so that the samples do not lock to the poll's phase.
   */
  pollIntervalMs?: number;
  /** Installs the system's tables into `db.schema` and opens whatever `enqueue`/`progress` need. */
  prepare(db: PgBenchDatabase): Promise<void>;
  /** How to start one worker process running `concurrency` jobs at once. */
  workerLaunch(args: { concurrency: number }): WorkerLaunch;
  /**
   * Makes `jobs` available in one transaction, and resolves once its commit is acknowledged
   * (the harness starts its clock there: the jobs are visible to workers from that moment).
   */
  enqueue(jobs: BenchJob[]): Promise<void>;
  /**
   * Makes a sequential chain available: the first job now, each next one once the job before it
   * is done, in the system's own way of chaining work (Baton: one run whose steps are each
   * `after` the one before; a peer: each job adds the next as it ends, `nextInChain` in
   * worker-protocol.js). Resolves once the first job is available.
   */
  enqueueChain(jobs: BenchJob[]): Promise<void>;
  progress(trial: string): Promise<TrialProgress>;
  /** Closes what `prepare` opened. The harness drops the schema afterwards. */
  close(): Promise<void>;
}
