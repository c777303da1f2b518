// The worker-process side of `npm run bench -- --pg`: the job function every system runs,
// and the IPC messages the harness (bench/pg/worker-fleet.ts) reads. Plain JavaScript so a
// worker runs under bare `node` (no TypeScript loader in the measured processes), and so a
// capability module given to `baton worker` can import it as it is.
//
// Messages to the parent:
//   { kind: 'bench-ready' }                                   the worker may be given work
//   { kind: 'bench-ran', jobs: [[trial, index, startedAt, endedAt], ...] }
//   { kind: 'bench-pong', id, at }                            answers { kind: 'bench-ping', id }
// Times are `performance.timeOrigin + performance.now()`: milliseconds on the host's wall clock
// with sub-millisecond resolution, comparable across processes (the harness measures how well
// with the ping, and reports it).
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';

export const now = () => performance.timeOrigin + performance.now();

let pending = [];
let flushScheduled = false;

// Reports go out once per turn of the event loop: jobs finishing together share one message,
// and no report waits for a timer.
function flush() {
  flushScheduled = false;
  if (pending.length === 0 || !process.send) return;
  process.send({ kind: 'bench-ran', jobs: pending });
  pending = [];
}

/**
 * The benchmark's job: sleep `sleepMs` (0: return at once), then report when it started and
 * ended. It throws on a payload that is not a bench job, so a mix-up shows as a failed job.
 */
export async function runBenchJob(payload) {
  const startedAt = now();
  const { trial, index, sleepMs } = payload ?? {};
  if (typeof trial !== 'string' || !Number.isInteger(index) || typeof sleepMs !== 'number') {
    throw new Error(`not a bench job payload: ${JSON.stringify(payload)}`);
  }
  if (sleepMs > 0) await sleep(sleepMs);
  pending.push([trial, index, startedAt, now()]);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

/**
 * The job that follows `payload` in a sequential chain (its `chainLength`), or null after the
 * last one and for independent jobs. A peer's worker adds it as its job ends.
 */
export function nextInChain(payload) {
  const { chainLength, index } = payload ?? {};
  return typeof chainLength === 'number' && index + 1 < chainLength ? { ...payload, index: index + 1 } : null;
}

/** Tells the harness this process is listening for work. */
export function reportReady() {
  process.send?.({ kind: 'bench-ready' });
}

/**
 * Runs `stop` once when the harness asks the worker to end (SIGTERM, or the IPC channel
 * closing), then exits: 0 if it stopped cleanly, 1 if stopping threw.
 */
export function onShutdown(stop) {
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    Promise.resolve()
      .then(stop)
      .then(
        () => process.exit(0),
        (error) => {
          console.error(`worker shutdown failed: ${error instanceof Error ? error.stack : String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('disconnect', shutdown);
}

process.on('message', (message) => {
  if (message && message.kind === 'bench-ping') process.send?.({ kind: 'bench-pong', id: message.id, at: now() });
});

/** The worker's arguments as `--name=value` pairs; throws naming the missing one. */
export function workerArguments(names) {
  const values = {};
  for (const argument of process.argv.slice(2)) {
    const match = /^--([a-z-]+)=(.*)$/.exec(argument);
    if (match) values[match[1]] = match[2];
  }
  for (const name of names) if (values[name] === undefined) throw new Error(`missing --${name}=...`);
  return values;
}
