import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createBaton, type Baton, type RunHandle } from '../../src/engine/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import type { BenchJob, PgBenchDatabase, PgQueueSystem, TrialProgress, WorkerLaunch } from './system.js';

const CLI = fileURLToPath(new URL('../../bin/baton.js', import.meta.url));
const CAPABILITIES = fileURLToPath(new URL('./baton-capabilities.js', import.meta.url));

/**
 * Baton as a user runs it on PostgreSQL: `baton worker --concurrency N --capabilities FILE`
 * processes claim the steps, and one engine in this process (`concurrency: 0`, so it runs no
 * step itself) conducts each trial's run: it dispatches the steps, records the workers'
 * outcomes in the hash-chained ledger, and ends the run. A trial's jobs are one run's
 * independent steps; a job counts as done once its step is recorded as succeeded in the
 * ledger, which is more than the peers record (a row's state). `enqueue` is `submit`: it
 * validates the plan, runs its pre-flight and commits `run.created` together with the first
 * round of decisions (every independent step routed, dispatched and queued), so it resolves
 * only once every job is available to the workers. The harness's clock starts before the
 * enqueue call, for every system, so that work is counted.
 */
export class BatonSystem implements PgQueueSystem {
  readonly name = 'Baton';
  readonly version = (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  readonly configuration =
    '`baton worker --concurrency N` per process (claims with FOR UPDATE SKIP LOCKED, LISTEN/NOTIFY wake-ups, 1 s poll backstop, outcomes reported in batches, carried by their notice with the free slots; the conductor claims the next items for a worker that offered, and their notice carries them); one engine conducts each run and chains every dispatch and outcome into the ledger; a trial is one run of independent steps';
  readonly judgedAgainstTargets = true;
  private db: PgBenchDatabase | undefined;
  private baton: Baton | undefined;
  private client: Client | undefined;
  private home: string | undefined;
  private readonly runs = new Map<string, { runId: string; jobs: number; handle: RunHandle }>();

  async prepare(db: PgBenchDatabase): Promise<void> {
    this.db = db;
    this.home = mkdtempSync(join(tmpdir(), 'baton-bench-'));
    const store = await PostgresStore.connect(db.url, { schema: db.schema });
    this.baton = await createBaton({ store, home: this.home, concurrency: 0, distributed: true });
    // The engine routes to the function by its skill; the workers run it.
    this.baton.register({ id: 'bench', skills: { bench: 1 }, run: () => null });
    this.client = new Client({ connectionString: db.url });
    await this.client.connect();
  }

  workerLaunch({ concurrency }: { concurrency: number }): WorkerLaunch {
    const { db, home } = this.prepared();
    return {
      modulePath: CLI,
      args: ['worker', '--concurrency', String(concurrency), '--capabilities', CAPABILITIES, '--json'],
      env: { BATON_DATABASE_URL: db.url, BATON_DATABASE_SCHEMA: db.schema, BATON_HOME: home },
      ready: { kind: 'stdout', line: /"event":"ready"/ },
    };
  }

  async enqueue(jobs: BenchJob[]): Promise<void> {
    const { baton } = this.prepared();
    const trial = jobs[0]?.trial ?? 'empty';
    const steps = Object.fromEntries(jobs.map((job) => [`j${job.index}`, { skill: 'bench', input: { ...job } }]));
    const handle = await baton.submit({ baton: 1, name: `bench-${trial}`.slice(0, 100), steps }, { wait: true });
    this.runs.set(trial, { runId: handle.runId, jobs: jobs.length, handle });
  }

  /** One run whose steps are each `after` the one before: the engine dispatches the next as it records a success. */
  async enqueueChain(jobs: BenchJob[]): Promise<void> {
    const { baton } = this.prepared();
    const trial = jobs[0]?.trial ?? 'empty';
    const steps = Object.fromEntries(
      jobs.map((job) => [
        `j${job.index}`,
        { skill: 'bench', input: { ...job }, ...(job.index > 0 && { after: [`j${job.index - 1}`] }) },
      ]),
    );
    const handle = await baton.submit({ baton: 1, name: `bench-${trial}`.slice(0, 100), steps }, { wait: true });
    this.runs.set(trial, { runId: handle.runId, jobs: jobs.length, handle });
  }

  /** A job is finished once its step's success (or failure) is in the run's ledger. */
  async progress(trial: string): Promise<TrialProgress> {
    const { db, client } = this.prepared();
    const run = this.runs.get(trial);
    if (!run) return { unfinished: 0, failed: 0 };
    const { rows } = await client.query<{ succeeded: number; failed: number }>(
      `SELECT (count(*) FILTER (WHERE type = 'step.succeeded'))::int AS succeeded, (count(*) FILTER (WHERE type = 'step.failed'))::int AS failed
         FROM ${db.schema}.events WHERE run_id = $1 AND type IN ('step.succeeded', 'step.failed')`,
      [run.runId],
    );
    const { succeeded, failed } = rows[0] ?? { succeeded: 0, failed: 0 };
    return { unfinished: run.jobs - succeeded - failed, failed };
  }

  async close(): Promise<void> {
    for (const { handle } of this.runs.values()) await handle.interrupt().catch(() => undefined);
    await this.baton?.close();
    await this.client?.end();
    if (this.home) rmSync(this.home, { recursive: true, force: true });
  }

  private prepared(): { db: PgBenchDatabase; baton: Baton; client: Client; home: string } {
    if (!this.db || !this.baton || !this.client || !this.home) throw new Error('Baton: prepare() has not run');
    return { db: this.db, baton: this.baton, client: this.client, home: this.home };
  }
}
