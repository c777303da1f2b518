import { fileURLToPath } from 'node:url';
import { Logger, makeWorkerUtils, runMigrations, type WorkerUtils } from 'graphile-worker';
import { Client } from 'pg';
import { packageVersion } from '../pg/package-version.js';
import type { BenchJob, PgBenchDatabase, PgQueueSystem, TrialProgress, WorkerLaunch } from '../pg/system.js';

const WORKER_PROCESS = fileURLToPath(new URL('./graphile-worker-process.js', import.meta.url));
const TASK = 'bench';
const quiet = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
});

/**
 * graphile-worker as a user would run it for this: `run()` with `concurrency` N per process,
 * LISTEN/NOTIFY on (its default), the default 2 s poll as a backstop. By default without its
 * batching (local queue, completion batching: both off by default); `batched` turns both on as
 * its performance docs suggest. Jobs are added with `addJobs` in one statement.
 */
export class GraphileWorkerSystem implements PgQueueSystem {
  readonly name: string;
  readonly version = packageVersion('graphile-worker', import.meta.resolve('graphile-worker'));
  readonly configuration: string;
  private db: PgBenchDatabase | undefined;
  private utils: WorkerUtils | undefined;
  private client: Client | undefined;

  constructor(private readonly batched: boolean) {
    this.name = batched ? 'graphile-worker, batched' : 'graphile-worker';
    const batching = batched
      ? 'localQueue.size N + 1 and completeJobBatchDelay 0 (its batching, off by default)'
      : 'localQueue and completeJobBatchDelay off (defaults)';
    this.configuration = `run({ concurrency: N, maxPoolSize: N + 2 }) per process; LISTEN/NOTIFY wakes workers (default), 2 s poll backstop (default); ${batching}; jobs added with addJobs() in one statement`;
  }

  async prepare(db: PgBenchDatabase): Promise<void> {
    this.db = db;
    await runMigrations({ connectionString: db.url, schema: db.schema, logger: quiet });
    this.utils = await makeWorkerUtils({ connectionString: db.url, schema: db.schema, logger: quiet });
    this.client = new Client({ connectionString: db.url });
    await this.client.connect();
  }

  workerLaunch({ concurrency }: { concurrency: number }): WorkerLaunch {
    const db = this.prepared().db;
    return {
      modulePath: WORKER_PROCESS,
      args: [`--schema=${db.schema}`, `--concurrency=${concurrency}`, `--batched=${this.batched}`],
      env: { BATON_BENCH_DATABASE_URL: db.url },
      ready: { kind: 'message' },
    };
  }

  async enqueue(jobs: BenchJob[]): Promise<void> {
    await this.prepared().utils.addJobs(jobs.map((job) => ({ identifier: TASK, payload: job })));
  }

  async enqueueChain(jobs: BenchJob[]): Promise<void> {
    await this.enqueue(jobs.slice(0, 1));
  }

  /** graphile-worker deletes a job when it succeeds: what is left of a trial is unfinished, or failed if it has an error. */
  async progress(trial: string): Promise<TrialProgress> {
    const { db, client } = this.prepared();
    const { rows } = await client.query<{ unfinished: number; failed: number }>(
      `SELECT count(*)::int AS unfinished, (count(*) FILTER (WHERE last_error IS NOT NULL))::int AS failed
         FROM ${db.schema}._private_jobs WHERE payload->>'trial' = $1`,
      [trial],
    );
    return rows[0] ?? { unfinished: 0, failed: 0 };
  }

  async close(): Promise<void> {
    await this.utils?.release();
    await this.client?.end();
  }

  private prepared(): { db: PgBenchDatabase; utils: WorkerUtils; client: Client } {
    if (!this.db || !this.utils || !this.client) throw new Error('graphile-worker: prepare() has not run');
    return { db: this.db, utils: this.utils, client: this.client };
  }
}
