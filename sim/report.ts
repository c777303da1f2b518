import type { SimResult } from './world.js';

/** What a batch of seeds did, added up as they finish (results themselves are not kept: 100,000 ledgers would not fit). */
export class Summary {
  seeds = 0;
  worldSteps = 0;
  ledgerEvents = 0;
  virtualMs = 0;
  readonly outcomes: Record<string, number> = {};
  readonly faults: Record<string, number> = {};
  readonly features: Record<string, number> = {};
  /** Ledger events that show the faults were felt: attempts given up, late results rejected, engines resuming. */
  readonly recorded: Record<string, number> = {};
  readonly failing: SimResult[] = [];
  failingSeeds = 0;

  add(result: SimResult): void {
    this.seeds += 1;
    this.worldSteps += result.steps;
    this.ledgerEvents += result.ledger.length;
    this.virtualMs += result.virtualMs;
    bump(this.outcomes, result.outcome);
    for (const [kind, count] of Object.entries(result.faults)) bump(this.faults, kind, count);
    for (const feature of result.features) bump(this.features, feature);
    for (const event of result.ledger) if (RECORDED.has(event.type)) bump(this.recorded, event.type);
    if (result.violations.length > 0) {
      this.failingSeeds += 1;
      if (this.failing.length < 5) this.failing.push(result);
    }
  }
}

const RECORDED = new Set([
  'attempt.abandoned',
  'attempt.rejected',
  'attempt.cancelled',
  'attempt.retry_scheduled',
  'run.resumed',
  'decision.requested',
]);

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function table(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, count]) => `${key} ${count}`)
    .join(', ');
}

/** The command that replays one seed exactly. */
export function replayCommand(seed: number): string {
  return `npm run sim -- --seed ${seed}`;
}

/** A failing seed: what broke, the command that replays it, and the last events before it broke. */
export function formatFailure(result: SimResult): string {
  const lines = [`seed ${result.seed} FAILED: ${result.violations.length} violation(s)`];
  for (const violation of result.violations.slice(0, 5))
    lines.push(
      `  ${violation.invariant}${violation.seq === null ? '' : ` at seq ${violation.seq}`}: ${violation.message.split('\n')[0]}`,
    );
  lines.push(`  replay: ${replayCommand(result.seed)}`);
  lines.push(`  last events (world and ledger):`);
  for (const line of result.trace) lines.push(`  ${line}`);
  return lines.join('\n');
}

export function formatSummary(summary: Summary, wallMs: number): string {
  return [
    `${summary.seeds} seeds in ${(wallMs / 1000).toFixed(1)} s: ${summary.failingSeeds === 0 ? 'no violations' : `${summary.failingSeeds} failing`}`,
    `  runs ended: ${table(summary.outcomes)}`,
    `  world events ${summary.worldSteps}, ledger events ${summary.ledgerEvents}, virtual time ${(summary.virtualMs / 3_600_000).toFixed(1)} h`,
    `  faults and acts injected: ${table(summary.faults)}`,
    `  recorded in the ledgers: ${table(summary.recorded)}`,
    `  plan features (seeds using each): ${table(summary.features)}`,
  ].join('\n');
}
