// Runs one no-op workload on a built tree's library in a process of its own and prints the
// result as JSON on the last line of stdout: the paired bench (`--baseline REF`) runs the same
// workload on two trees this way, each on its own dist/. Plain JavaScript for bare `node`.
// `submit` times submit() alone on a chain of <size> steps (validation, pre-flight, first commit),
// then aborts the run untimed, as bench/baton-workloads.ts batonSubmitTrial does.
// Usage: node bench/dist-trial-child.js <tree-root> <workspace-dir> <chain|fan-out|submit> <size>
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { peakRssKB } from './peak-rss-kb.js';

const [root, workspace, shape, sizeArgument] = process.argv.slice(2);
const size = Number(sizeArgument);
if (!root || !workspace || !['chain', 'fan-out', 'submit'].includes(shape) || !Number.isInteger(size) || size < 1) {
  console.error('usage: node bench/dist-trial-child.js <tree-root> <workspace-dir> <chain|fan-out|submit> <size>');
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
const start = performance.now();
const run = await baton.submit({ baton: 1, name: `bench-${shape}`, steps });
const submittedMs = performance.now() - start;
if (shape === 'submit') await baton.abort(run.runId, { reason: 'the submit bench measures the submit only' });
const result = await run.result();
const wallMs = shape === 'submit' ? submittedMs : performance.now() - start;
const verdict = await baton.verify(run.runId);
await baton.close();

console.log(
  JSON.stringify({
    status: result.status,
    succeeded: result.succeeded,
    ledgerVerified: verdict.ok,
    ledgerEvents: verdict.events,
    wallMs,
    maxRssKB: peakRssKB(),
  }),
);
