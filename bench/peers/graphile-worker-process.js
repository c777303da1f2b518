// One graphile-worker process for `npm run bench -- --pg` (started by bench/pg/graphile-worker.ts).
// Usage: node graphile-worker-process.js --schema=S --concurrency=N --batched=true|false
//        (database: BATON_BENCH_DATABASE_URL)
import { EventEmitter } from 'node:events';
import { Logger, run } from 'graphile-worker';
import { nextInChain, onShutdown, reportReady, runBenchJob, workerArguments } from '../pg/worker-protocol.js';

const { schema, concurrency, batched } = workerArguments(['schema', 'concurrency', 'batched']);
const events = new EventEmitter();
// Ready once the pool's LISTEN connection is up: before that a new job would wait for a poll.
events.once('pool:listen:success', reportReady);

const runner = await run({
  connectionString: process.env.BATON_BENCH_DATABASE_URL,
  schema,
  concurrency: Number(concurrency),
  // One connection per concurrent job plus the LISTEN connection and one spare; graphile-worker's
  // default pool (10) would leave 10 jobs sharing 9 connections.
  maxPoolSize: Number(concurrency) + 2,
  noHandleSignals: true,
  events,
  // Only errors: the default logger prints a line per job start and end.
  logger: new Logger(() => (level, message) => {
    if (level === 'error') console.error(message);
  }),
  // In a chain, the job adds the next one as it ends, as a graphile-worker user chains jobs.
  taskList: {
    bench: async (payload, helpers) => {
      await runBenchJob(payload);
      const next = nextInChain(payload);
      if (next) await helpers.addJob('bench', next);
    },
  },
  // graphile-worker's batching (its docs' performance page): the pool locks and pulls N + 1 jobs
  // at a time ("a good starting point is concurrentJobs + 1"), and completions made in the same
  // tick go to the database in one statement (delay 0: no added wait).
  ...(batched === 'true' && {
    preset: { worker: { localQueue: { size: Number(concurrency) + 1 }, completeJobBatchDelay: 0 } },
  }),
});
onShutdown(() => runner.stop());
