/**
 * `npx tsx bench/llm-overhead.ts`: what Baton itself spends on an `llm` step, beside a `function`
 * step. Both run as a chain of `--steps` steps (default 200) on an embedded SQLite workspace;
 * the model is the local fake OpenAI-compatible server answering at once (no latency), so the
 * difference per step is the AI SDK's request and response handling, the HTTP round trip on
 * 127.0.0.1, the prompt and cost accounting and the token usage recorded on the attempt. Trials
 * alternate (function, llm, function, ...) so both see the same machine; medians and ranges are
 * printed with the load average. A measurement, not a test: it fails only when a run does.
 *
 * Flags: `--steps=N`, `--trials=N` (default 5 of each), `--json`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../src/core/index.js';
import { createBaton } from '../src/engine/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../test/support/fake-openai.js';

interface Arguments {
  steps: number;
  trials: number;
  json: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const parsed: Arguments = { steps: 200, trials: 5, json: false };
  for (const argument of argv) {
    const [flag, value] = argument.split('=');
    if (flag === '--json' && value === undefined) parsed.json = true;
    else if ((flag === '--steps' || flag === '--trials') && value !== undefined && /^[1-9]\d*$/.test(value))
      parsed[flag === '--steps' ? 'steps' : 'trials'] = Number(value);
    else throw new Error(`unknown or malformed argument ${argument}; flags: --steps=N --trials=N --json`);
  }
  return parsed;
}

/** A chain of `steps` steps on skill `answer`, each after the one before, with a short prompt. */
function chain(steps: number, capabilities: Plan['capabilities']): Plan {
  const ids = Array.from({ length: steps }, (_, i) => `s${i}`);
  return {
    baton: 1,
    name: 'llm-overhead',
    ...(capabilities && { capabilities }),
    steps: Object.fromEntries(
      ids.map((id, i) => [id, { skill: 'answer', input: `question ${i}`, ...(i > 0 && { after: [ids[i - 1]] }) }]),
    ),
  } as Plan;
}

function llmCapabilities(fake: FakeOpenAi): Plan['capabilities'] {
  return {
    model: {
      kind: 'llm',
      provider: 'openai-compatible',
      base_url: fake.url,
      model: 'instant',
      skills: { answer: 1 },
      max_input_tokens: 200,
      max_output_tokens: 20,
      price: { input_per_mtok: 0.1, output_per_mtok: 0.4 },
    },
  } as Plan['capabilities'];
}

/** Runs one chain on a fresh workspace; returns its wall time per step (ms), from submit to the end. */
async function trial(kind: 'function' | 'llm', steps: number, fake: FakeOpenAi): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'baton-llm-overhead-'));
  const baton = await createBaton({ home });
  try {
    if (kind === 'function') baton.register({ id: 'echo', skills: { answer: 1 }, run: (input: unknown) => input });
    const plan = chain(steps, kind === 'llm' ? llmCapabilities(fake) : undefined);
    const started = process.hrtime.bigint();
    const run = await baton.submit(plan);
    const result = await run.result();
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 'succeeded') throw new Error(`the ${kind} chain ended ${result.status}`);
    return elapsedMs / steps;
  } finally {
    await baton.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const fake = await startFakeOpenAi();
  fake.reply({ text: 'ok', usage: { prompt_tokens: 12, completion_tokens: 2 } });
  const loadAtStart = loadavg()[0] ?? 0;
  try {
    // One of each first, not timed: module loading and the SDK's first request are not per step.
    await trial('function', 10, fake);
    await trial('llm', 10, fake);
    const times: Record<'function' | 'llm', number[]> = { function: [], llm: [] };
    for (let i = 0; i < options.trials; i++) {
      times.function.push(await trial('function', options.steps, fake));
      times.llm.push(await trial('llm', options.steps, fake));
    }
    const summary = {
      steps: options.steps,
      trials: options.trials,
      functionMsPerStep: {
        median: median(times.function),
        min: Math.min(...times.function),
        max: Math.max(...times.function),
      },
      llmMsPerStep: { median: median(times.llm), min: Math.min(...times.llm), max: Math.max(...times.llm) },
      llmOverheadMsPerStep: median(times.llm) - median(times.function),
      machine: { cpus: cpus().length, loadAverage1m: { start: loadAtStart, end: loadavg()[0] ?? 0 } },
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const range = (r: { median: number; min: number; max: number }) =>
      `${r.median.toFixed(2)} ms/step (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;
    process.stdout.write(
      [
        `chain of ${options.steps} steps, ${options.trials} trials each, alternating:`,
        `  function step  ${range(summary.functionMsPerStep)}`,
        `  llm step       ${range(summary.llmMsPerStep)} against the fake server, no latency`,
        `  an llm step costs ${summary.llmOverheadMsPerStep.toFixed(2)} ms more (median), ${(median(times.llm) / median(times.function)).toFixed(2)}x`,
        `  load average ${loadAtStart.toFixed(2)} -> ${(loadavg()[0] ?? 0).toFixed(2)} on ${cpus().length} CPUs`,
        '',
      ].join('\n'),
    );
  } finally {
    await fake.close();
  }
}

await main();
