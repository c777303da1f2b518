/**
 * `npx tsx bench/large-outputs.ts`: what keeping large payloads apart from their events costs
 * and saves, on SQLite.
 * - Ledger size: a 200-step chain whose steps each output a different 64 KiB value; the size
 *   of the workspace's database file after the run (closed, so its WAL is checkpointed into
 *   it), and how its bytes split between event rows and payload rows.
 * - Per-step overhead: the no-op 1,000-step chain of `npm run bench` (1 warm-up, then the
 *   median of `--runs`, default 5), in ms per step.
 * A benchmark, not a test: it fails only when a run gives a wrong result.
 */
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createBaton, type Plan } from '../src/index.js';
import { batonTrial } from './baton-workloads.js';
import { measure, scratchDirectory } from './measure.js';
import { Shape } from './workloads.js';

const scratch = scratchDirectory();
const STEPS = 200;
const OUTPUT_BYTES = 64 * 1024;

/** A 64 KiB output of its own for each step (different values, so none is stored only once for many). */
function outputOf(step: string): { step: string; text: string } {
  return { step, text: `${step}:`.padEnd(OUTPUT_BYTES, 'abcdefghijklmnopqrstuvwxyz0123456789') };
}

async function ledgerSize(): Promise<Record<string, number | string>> {
  const home = join(scratch.fresh('large-outputs'), '.baton');
  const baton = await createBaton({ home });
  baton.register({ id: 'big', skills: { big: 1 }, run: (_input: unknown, context) => outputOf(context.step) });
  const steps: Record<string, { skill: string; after?: string[] }> = {};
  for (let i = 0; i < STEPS; i += 1)
    steps[`s${i}`] = i === 0 ? { skill: 'big' } : { skill: 'big', after: [`s${i - 1}`] };
  const start = performance.now();
  const run = await baton.submit({ baton: 1, name: 'large-outputs', steps } as unknown as Plan);
  const result = await run.result();
  const wallMs = performance.now() - start;
  if (result.status !== 'succeeded' || result.succeeded !== STEPS) throw new Error(`the run ended ${result.status}`);
  const verdict = await baton.verify(run.runId);
  if (!verdict.ok) throw new Error(`the ledger fails verification at seq ${verdict.seq}: ${verdict.reason}`);
  await baton.close();
  const file = join(home, 'baton.db');
  const db = new Database(file, { readonly: true });
  const sum = (sql: string): number => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
  const hasPayloads = sum("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'payloads'") > 0;
  const figures = {
    steps: STEPS,
    outputBytes: OUTPUT_BYTES,
    wallMs: Math.round(wallMs),
    databaseBytes: statSync(file).size,
    eventRows: sum('SELECT COUNT(*) AS n FROM events'),
    eventDataBytes: sum('SELECT SUM(length(data)) AS n FROM events'),
    largestEventBytes: sum('SELECT MAX(length(data)) AS n FROM events'),
    payloadRows: hasPayloads ? sum('SELECT COUNT(*) AS n FROM payloads') : 0,
    payloadBytes: hasPayloads ? sum('SELECT SUM(length(body)) AS n FROM payloads') : 0,
  };
  db.close();
  return figures;
}

const runs = Number(/^--runs=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 5);
const loadBefore = loadavg()[0];
const size = await ledgerSize();
// CPU time (user + system) of this process per chain run as well as wall time: on a shared machine
// under load, wall time mostly measures the other processes.
const cpuMs: number[] = [];
const chain = await measure(runs, async () => {
  const before = process.cpuUsage();
  const trial = await batonTrial(Shape.chain, 1_000, scratch.fresh('chain'));
  const used = process.cpuUsage(before);
  cpuMs.push((used.user + used.system) / 1_000);
  return trial;
});
const measuredCpu = cpuMs.slice(1).sort((a, b) => a - b);
const medianCpuMs = measuredCpu[Math.floor(measuredCpu.length / 2)] ?? 0;
scratch.remove();
console.log(
  JSON.stringify(
    {
      ledger: size,
      chain1000: {
        medianMs: chain.wallMs,
        minMs: chain.minMs,
        maxMs: chain.maxMs,
        msPerStep: chain.wallMs / 1_000,
        medianCpuMs,
        cpuMsPerStep: medianCpuMs / 1_000,
      },
      load1m: { before: loadBefore, after: loadavg()[0] },
    },
    null,
    2,
  ),
);
