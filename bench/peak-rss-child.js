// Runs one Baton chain in a process of its own and prints its peak RSS as JSON on the last
// line of stdout. Plain JavaScript on the compiled library (dist/), started with bare `node`,
// so neither tsx nor the benchmark process that spawns it shows up in the figure.
// Usage: node bench/peak-rss-child.js <workspace-dir> <steps>
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createBaton } from '../dist/index.js';
import { peakRssKB } from './peak-rss-kb.js';

const [workspace, stepsArgument] = process.argv.slice(2);
const size = Number(stepsArgument);
if (!workspace || !Number.isInteger(size) || size < 1) {
  console.error('usage: node bench/peak-rss-child.js <workspace-dir> <steps>');
  process.exit(2);
}

// The peak after loading the library and before the run: the floor every Node process pays.
const baselineMaxRssKB = peakRssKB();

const steps = {};
for (let i = 0; i < size; i += 1)
  steps[`s${i}`] = i === 0 ? { skill: 'noop' } : { skill: 'noop', after: [`s${i - 1}`] };

const baton = await createBaton({ home: join(workspace, '.baton') });
baton.register({ id: 'noop', skills: { noop: 1 }, run: (input) => input });
const start = performance.now();
const run = await baton.submit({ baton: 1, name: 'bench-rss-chain', steps });
const result = await run.result();
const wallMs = performance.now() - start;
const verdict = await baton.verify(run.runId);
await baton.close();

console.log(
  JSON.stringify({
    steps: size,
    status: result.status,
    succeeded: result.succeeded,
    ledgerVerified: verdict.ok,
    ledgerEvents: verdict.events,
    wallMs,
    baselineMaxRssKB,
    maxRssKB: peakRssKB(),
  }),
);
