// Runs one no-op workload on a built tree's library in a process of its own and prints the
// result as JSON on the last line of stdout: the paired bench (`--baseline REF`) runs the same
// workload on two trees this way, each on its own dist/. Plain JavaScript for bare `node`.
// `submit` times submit() alone on a chain of <size> steps (validation, pre-flight, first commit),
// then aborts the run untimed, as bench/baton-workloads.ts batonSubmitTrial does.
// With <warm-runs> above 0, that many more runs of the same workload follow in the same process:
// `firstWallMs` is the first run's (what one `baton run` pays, loading and compiling included,
// which moves with what a tree loads lazily or at import) and `wallMs` the last's (steady-state
// work). Peak RSS is the whole process's.
// Usage: node bench/dist-trial-child.js <tree-root> <workspace-dir> <chain|fan-out|submit> <size> [warm-runs]
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { peakRssKB } from './peak-rss-kb.js';

const [root, workspace, shape, sizeArgument, warmArgument = '0'] = process.argv.slice(2);
const size = Number(sizeArgument);
const warmRuns = Number(warmArgument);
if (
  !root ||
  !workspace ||
  !['chain', 'fan-out', 'submit'].includes(shape) ||
  !Number.isInteger(size) ||
  size < 1 ||
  !Number.isInteger(warmRuns) ||
  warmRuns < 0
) {
  console.error(
    'usage: node bench/dist-trial-child.js <tree-root> <workspace-dir> <chain|fan-out|submit> <size> [warm-runs]',
  );
  process.exit(2);
}
const { createBaton } = await import(pathToFileURL(join(root, 'dist/index.js')).href);

// The same plans as bench/baton-workloads.ts builds, as plain data.
const steps = {};
if (shape !== 'fan-out') {
  for (let i = 0; i < size; i += 1)
    steps[`s${i}`] = i === 0 ? { skill: 'noop' } : { skill: 'noop', after: [`s${i - 1}`] };
} else {
  for (let i = 0; i < size; i += 1) steps[`b${i}`] = { skill: 'noop' };
  steps.join = { skill: 'noop', after: Object.keys(steps) };
}

const baton = await createBaton({ home: join(workspace, '.baton'), concurrency: 1_000 });
baton.register({ id: 'noop', skills: { noop: 1 }, run: (input) => input });

/** One run of the workload: its wall time (submit alone for `submit`), its result and its ledger's verdict. */
async function trial() {
  const start = performance.now();
  const run = await baton.submit({ baton: 1, name: `bench-${shape}`, steps });
  const submittedMs = performance.now() - start;
  if (shape === 'submit') await baton.abort(run.runId, { reason: 'the submit bench measures the submit only' });
  const result = await run.result();
  const wallMs = shape === 'submit' ? submittedMs : performance.now() - start;
  const verdict = await baton.verify(run.runId);
  return { result, verdict, wallMs };
}

const first = await trial();
let last = first;
for (let warm = 0; warm < warmRuns; warm += 1) last = await trial();
const { result, verdict, wallMs } = last;
await baton.close();

console.log(
  JSON.stringify({
    status: result.status,
    succeeded: result.succeeded,
    ledgerVerified: verdict.ok,
    ledgerEvents: verdict.events,
    firstWallMs: first.wallMs,
    wallMs,
    maxRssKB: peakRssKB(),
  }),
);
