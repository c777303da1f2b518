// One pg-boss process for `npm run bench -- --pg` (started by bench/pg/pg-boss.ts).
// Usage: node pg-boss-process.js --schema=S --queue=Q --concurrency=N --notify=true|false --polling-interval-seconds=X
//        (database: BATON_BENCH_DATABASE_URL)
import { PgBoss } from 'pg-boss';
import { nextInChain, onShutdown, reportReady, runBenchJob, workerArguments } from '../pg/worker-protocol.js';

const args = workerArguments(['schema', 'queue', 'concurrency', 'notify', 'polling-interval-seconds']);
const { schema, queue, concurrency, notify } = args;
const boss = new PgBoss({
  connectionString: process.env.BATON_BENCH_DATABASE_URL,
  schema,
  // The schema is installed once by the harness; maintenance and cron stay off in the workers so
  // that no periodic maintenance query lands inside a timed trial.
  migrate: false,
  supervise: false,
  schedule: false,
  useListenNotify: notify === 'true',
});
boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
await boss.start();
// pg-boss runs N jobs at once in one worker as a batch of N: the handler gets up to N jobs, runs
// them together and pg-boss completes them in one statement. burstWhenBatchFull fetches the next
// batch at once while batches come back full, instead of waiting out the polling interval.
await boss.work(
  queue,
  {
    batchSize: Number(concurrency),
    burstWhenBatchFull: true,
    pollingIntervalSeconds: Number(args['polling-interval-seconds']),
  },
  async (jobs) => {
    await Promise.all(
      jobs.map(async (job) => {
        await runBenchJob(job.data);
        // In a chain, the job sends the next one as it ends, as a pg-boss user chains jobs.
        const next = nextInChain(job.data);
        if (next) await boss.send(queue, next);
      }),
    );
  },
);
reportReady();
onShutdown(() => boss.stop({ graceful: true, close: true }));
