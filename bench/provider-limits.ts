/**
 * `npx tsx bench/provider-limits.ts`: the throughput of 1,000 `llm` steps under a
 * tokens-per-minute provider limit, against the local fake OpenAI-compatible server. A
 * measurement, not a test: it prints steps/s for docs/benchmarks.md, and fails only when the
 * run is wrong (a step failed, or the provider saw more tokens in a window than the limit).
 *
 * The minute is scaled down so the workload finishes in seconds: the window is `--window-ms`
 * (default 1,000) and the limit `--tokens=` tokens per window (default 1,000). Each call
 * reserves 150 tokens (100 in + 50 out) and the fake reports 100 used. A call is admitted only
 * while its reserve fits beside the tokens counted in the window, so at most
 * floor((limit - 150) / 100) + 1 calls (9 of the default 1,000) fit in one: the best a limiter
 * that reserves the worst case can do, 9 calls per (window + call latency), below what the
 * engine manages without a limit (`--unlimited`), so the limit is what binds.
 *
 * Flags: `--steps=N` (default 1,000), `--window-ms=N`, `--tokens=N`, `--latency-ms=N` (the fake
 * model's answer time, default 10), `--engines=N` (Batons on one SQLite file, each running its
 * share of the steps as its own run; default 2), `--unlimited` (the same steps with no `limits:`,
 * for the engine's own rate on the machine), `--json`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBaton, loadRegistryFile, type Baton } from '../src/engine/index.js';
import type { Plan } from '../src/core/index.js';
import { SqliteStore } from '../src/store/index.js';
import { startFakeOpenAi } from '../test/support/fake-openai.js';

const USED_PER_CALL = 100;
const RESERVED_PER_CALL = 150;

interface Arguments {
  steps: number;
  windowMs: number;
  tokens: number;
  latencyMs: number;
  engines: number;
  json: boolean;
  /** No `limits:` at all: the engine's own rate on this machine, the other ceiling. */
  unlimited: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const parsed: Arguments = {
    steps: 1_000,
    windowMs: 1_000,
    tokens: 1_000,
    latencyMs: 10,
    engines: 2,
    json: false,
    unlimited: false,
  };
  const numeric = {
    '--steps=': 'steps',
    '--window-ms=': 'windowMs',
    '--tokens=': 'tokens',
    '--latency-ms=': 'latencyMs',
    '--engines=': 'engines',
  } as const;
  for (const argument of argv) {
    if (argument === '--json' || argument === '--unlimited') {
      parsed[argument === '--json' ? 'json' : 'unlimited'] = true;
      continue;
    }
    const flag = Object.keys(numeric).find((prefix) => argument.startsWith(prefix)) as keyof typeof numeric | undefined;
    const value = flag === undefined ? NaN : Number(argument.slice(flag.length));
    if (flag === undefined || !Number.isInteger(value) || value < (flag === '--latency-ms=' ? 0 : 1))
      throw new Error(
        `unexpected argument "${argument}"; expected --steps=N, --window-ms=N, --tokens=N, --latency-ms=N, --engines=N (whole numbers) or --json`,
      );
    parsed[numeric[flag]] = value;
  }
  return parsed;
}

/** The most tokens the provider saw in any window: every window that starts at a request. */
function maxTokensInAnyWindow(arrivals: readonly number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && (sorted[end] as number) < (sorted[start] as number) + windowMs) end++;
    most = Math.max(most, (end - start) * USED_PER_CALL);
  }
  return most;
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const loadAtStart = loadavg()[0] ?? 0;
  const fake = await startFakeOpenAi();
  fake.reply({ text: 'ok', usage: { prompt_tokens: 60, completion_tokens: 40 }, latencyMs: args.latencyMs });
  const directory = mkdtempSync(join(tmpdir(), 'baton-bench-limits-'));
  const batons: Baton[] = [];
  try {
    const registryFile = join(directory, 'baton.yaml');
    writeFileSync(
      registryFile,
      [
        'capabilities:',
        '  writer:',
        '    kind: llm',
        '    provider: openai-compatible',
        `    base_url: ${fake.url}`,
        '    model: fake-model',
        '    limit: bench',
        '    max_input_tokens: 100',
        '    max_output_tokens: 50',
        '    skills: { write: 1 }',
        ...(args.unlimited ? [] : ['limits:', `  bench: { tokens_per_minute: ${args.tokens} }`]),
        '',
      ].join('\n'),
    );
    const registry = await loadRegistryFile(registryFile);
    const file = join(directory, 'baton.db');
    for (let i = 0; i < args.engines; i++)
      batons.push(
        await createBaton({
          home: directory,
          store: new SqliteStore(file),
          registry,
          limitWindowMs: args.windowMs,
          concurrency: 64,
        }),
      );
    const share = (i: number): number =>
      Math.floor(args.steps / args.engines) + (i < args.steps % args.engines ? 1 : 0);
    const plans = batons.map((_, i): Plan => ({
      baton: 1,
      name: `limited-${i}`,
      steps: Object.fromEntries(
        Array.from({ length: share(i) }, (_, n) => [`s${n}`, { skill: 'write', input: `part ${n}` }]),
      ),
    }));
    const started = performance.now();
    const runs = await Promise.all(batons.map((baton, i) => baton.submit(plans[i] as Plan)));
    const results = await Promise.all(runs.map((run) => run.result()));
    const wallMs = performance.now() - started;
    const failed = results.filter((result) => result.status !== 'succeeded');
    if (failed.length > 0) throw new Error(`a run ended ${failed[0]?.status}: ${JSON.stringify(failed[0])}`);
    if (fake.requests.length !== args.steps)
      throw new Error(`the provider saw ${fake.requests.length} calls, not ${args.steps}`);
    const maxWindow = maxTokensInAnyWindow(
      fake.requests.map((request) => request.at),
      args.windowMs,
    );
    if (maxWindow > args.tokens)
      throw new Error(`the provider saw ${maxWindow} tokens in one window, over the limit of ${args.tokens}`);
    let holds = 0;
    for (const [i, run] of runs.entries())
      holds += (await (batons[i] as Baton).events(run.runId)).filter((event) => event.type === 'attempt.held').length;
    const callsPerWindow = Math.floor((args.tokens - RESERVED_PER_CALL) / USED_PER_CALL) + 1;
    const report = {
      steps: args.steps,
      engines: args.engines,
      limit: { tokensPerWindow: args.tokens, windowMs: args.windowMs, callsPerWindow },
      wallMs: Math.round(wallMs),
      stepsPerSecond: Math.round((args.steps / wallMs) * 1000 * 10) / 10,
      ceilingStepsPerSecond: Math.round((callsPerWindow / (args.windowMs + args.latencyMs)) * 1000 * 10) / 10,
      maxTokensInAnyWindow: maxWindow,
      holdsRecorded: holds,
      machine: { cpus: cpus().length, loadAverage1m: { start: loadAtStart, end: loadavg()[0] ?? 0 } },
    };
    process.stdout.write(
      args.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : [
            `${report.steps} llm steps in ${report.engines} runs (one engine each, one SQLite file) ${args.unlimited ? 'without a limit' : `under ${args.tokens} tokens per ${args.windowMs} ms`}:`,
            `  ${report.wallMs} ms wall, ${report.stepsPerSecond} steps/s (ceiling ${report.ceilingStepsPerSecond}: ${callsPerWindow} calls per window + latency, each reserving ${RESERVED_PER_CALL} and using ${USED_PER_CALL})`,
            `  most tokens the provider saw in any ${args.windowMs} ms: ${maxWindow} (limit ${args.tokens})`,
            `  ${holds} holds recorded (attempt.held)`,
            `  load average ${loadAtStart.toFixed(2)} -> ${(loadavg()[0] ?? 0).toFixed(2)} on ${cpus().length} CPUs`,
            '',
          ].join('\n'),
    );
  } finally {
    await Promise.all(batons.map((baton) => baton.close()));
    await fake.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
