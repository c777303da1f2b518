import { formatFailure, formatSummary, replayCommand, Summary } from './report.js';
import { World } from './world.js';

/**
 * `npm run sim -- --seeds N [--from S]` runs seeds S..S+N-1 (default from 1);
 * `npm run sim -- --seed S` replays one seed exactly and prints its trace when it fails.
 * Exit code 1 when any seed broke an invariant.
 */
const USAGE = 'usage: npm run sim -- --seeds N [--from S] [--replay-every K] | --seed S [--ledger]';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function integer(name: string, fallback: number): number {
  const text = option(name);
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text)) {
    console.error(`--${name} must be a whole number, got "${text}"\n${USAGE}`);
    process.exit(2);
  }
  return Number(text);
}

async function main(): Promise<number> {
  const single = option('seed');
  const replayEvery = integer('replay-every', 1);
  if (single !== undefined) {
    const seed = integer('seed', 0);
    const result = await new World({ seed, replayEvery }).run();
    if (process.argv.includes('--ledger')) for (const event of result.ledger) console.log(JSON.stringify(event));
    if (result.violations.length > 0) {
      console.log(formatFailure(result));
      return 1;
    }
    console.log(
      `seed ${seed}: ok (run ${result.outcome}, ${result.ledger.length} ledger events, ${result.steps} world events; features: ${result.features.join(', ')})`,
    );
    return 0;
  }
  if (option('seeds') === undefined) {
    console.error(USAGE);
    return 2;
  }
  const count = integer('seeds', 0);
  const from = integer('from', 1);
  const summary = new Summary();
  const started = Date.now();
  let lastProgress = started;
  for (let seed = from; seed < from + count; seed++) {
    const result = await new World({ seed, replayEvery }).run();
    summary.add(result);
    if (result.violations.length > 0 && summary.failingSeeds <= 5) console.log(formatFailure(result));
    else if (result.violations.length > 0)
      console.log(`seed ${seed} FAILED (${result.violations[0]?.invariant}): ${replayCommand(seed)}`);
    if (Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      console.log(
        `… ${seed - from + 1}/${count} seeds, ${summary.failingSeeds} failing, ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  }
  console.log(formatSummary(summary, Date.now() - started));
  return summary.failingSeeds === 0 ? 0 : 1;
}

process.exitCode = await main();
