import type { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { PgBoss } from 'pg-boss';
import { packageVersion } from '../pg/package-version.js';
import type { BenchJob, PgBenchDatabase, PgQueueSystem, TrialProgress, WorkerLaunch } from '../pg/system.js';

const WORKER_PROCESS = fileURLToPath(new URL('./pg-boss-process.js', import.meta.url));
const QUEUE = 'bench';
/** pg-boss's smallest allowed polling interval: what a user who cares about latency would set (the default is 2 s). */
export const PG_BOSS_POLLING_INTERVAL_SECONDS = 0.5;

/**
 * pg-boss, in one of its two ways of finding new jobs: polling only (every 0.5 s), or with its
 * opt-in LISTEN/NOTIFY (`useListenNotify` on the instance, `notify` on the queue), where polling
 * stays on as a 30 s backstop. Each worker process fetches batches of N jobs (N = concurrency),
 * runs a batch at once and completes it in one statement (see pg-boss-process.js).
 */
export class PgBossSystem implements PgQueueSystem {
  readonly name: string;
  readonly version = packageVersion('pg-boss', import.meta.resolve('pg-boss'));
  readonly configuration: string;
  readonly pollIntervalMs: number | undefined;
  private db: PgBenchDatabase | undefined;
  private boss: PgBoss | undefined;
  private client: Client | undefined;

  constructor(private readonly notify: boolean) {
    this.name = notify ? 'pg-boss, LISTEN/NOTIFY' : 'pg-boss, polling';
    const finding = notify
      ? 'useListenNotify + queue notify: true (NOTIFY wakes workers; 30 s poll backstop, the default)'
      : `polling every ${PG_BOSS_POLLING_INTERVAL_SECONDS} s (the minimum; default 2 s), no NOTIFY`;
    this.configuration = `work(queue, { batchSize: N, burstWhenBatchFull: true }) per process, the batch's jobs run at once; ${finding}; supervise and schedule off in workers; jobs added with insert() in one statement`;
    this.pollIntervalMs = notify ? undefined : PG_BOSS_POLLING_INTERVAL_SECONDS * 1_000;
  }

  async prepare(db: PgBenchDatabase): Promise<void> {
    this.db = db;
    // The enqueuing instance installs the schema; it runs no workers, no maintenance and no cron.
    this.boss = new PgBoss({ connectionString: db.url, schema: db.schema, supervise: false, schedule: false });
    // pg-boss types its events with a generic EventEmitter that @types/node 20 does not declare.
    // Without an 'error' listener an error event would throw out of the bench.
    (this.boss as unknown as EventEmitter).on('error', (error: Error) =>
      process.stderr.write(`pg-boss: ${error.message}\n`),
    );
    await this.boss.start();
    await this.boss.createQueue(QUEUE, { notify: this.notify });
    this.client = new Client({ connectionString: db.url });
    await this.client.connect();
  }

  workerLaunch({ concurrency }: { concurrency: number }): WorkerLaunch {
    const db = this.prepared().db;
    return {
      modulePath: WORKER_PROCESS,
      args: [
        `--schema=${db.schema}`,
        `--queue=${QUEUE}`,
        `--concurrency=${concurrency}`,
        `--notify=${this.notify}`,
        `--polling-interval-seconds=${PG_BOSS_POLLING_INTERVAL_SECONDS}`,
      ],
      env: { BATON_BENCH_DATABASE_URL: db.url },
      ready: { kind: 'message' },
    };
  }

  async enqueue(jobs: BenchJob[]): Promise<void> {
    await this.prepared().boss.insert(
      QUEUE,
      jobs.map((job) => ({ data: job })),
    );
  }

  async enqueueChain(jobs: BenchJob[]): Promise<void> {
    await this.enqueue(jobs.slice(0, 1));
  }

  /** pg-boss keeps finished jobs (state `completed` or `failed`) until its maintenance deletes them. */
  async progress(trial: string): Promise<TrialProgress> {
    const { db, client } = this.prepared();
    const { rows } = await client.query<{ unfinished: number; failed: number }>(
      `SELECT (count(*) FILTER (WHERE state NOT IN ('completed', 'failed', 'cancelled')))::int AS unfinished,
              (count(*) FILTER (WHERE state IN ('failed', 'cancelled')))::int AS failed
         FROM ${db.schema}.job WHERE name = $1 AND data->>'trial' = $2`,
      [QUEUE, trial],
    );
    return rows[0] ?? { unfinished: 0, failed: 0 };
  }

  async close(): Promise<void> {
    await this.boss?.stop({ graceful: false, close: true });
    await this.client?.end();
  }

  private prepared(): { db: PgBenchDatabase; boss: PgBoss; client: Client } {
    if (!this.db || !this.boss || !this.client) throw new Error('pg-boss: prepare() has not run');
    return { db: this.db, boss: this.boss, client: this.client };
  }
}
