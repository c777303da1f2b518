import { BatonError, ErrorCode, runTokens, type RunStatus } from '../core/index.js';
import { builtOnFirstUse } from '../core/deferred-packages.js';
import type { LedgerStore, RunRecord } from '../store/index.js';
import { runDecisions } from './context.js';
import { loadVerifiedRun } from './load-run.js';
import { AgentCountingFold } from './run-agents.js';

/** Runs `metrics` looks at by default, the newest; each is folded from its ledger. */
export const DEFAULT_METRICS_RUNS = 100;
/** The most it looks at, whatever is asked: folding thousands of ledgers is a report, not a glance. */
export const MAX_METRICS_RUNS = 1_000;

export interface ContextMetricsOptions {
  /** Only runs created at or after this time (ISO-8601, e.g. `2026-12-01`). */
  since?: string;
  /** At most this many runs, the newest (default 100, at most 1,000). */
  runs?: number;
}

/** One run's figures. */
export interface RunMetrics {
  runId: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  /** Steps in the run's plan, and how many succeeded. */
  steps: number;
  stepsSucceeded: number;
  /** Attempts dispatched to `agent` capabilities (each one model-in-a-tool-loop spawned), by capability. */
  agents: Record<string, number>;
  /** Agents outside the engine that reported on the run (`update_pipeline_state`). */
  reportingAgents: string[];
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Decisions people made (approved or denied), and those still waiting. */
  decisions: number;
  pending: number;
}

/** The figures summed over the runs created on one day (UTC), or over all of them. */
export interface MetricsTotals {
  runs: number;
  succeeded: number;
  failed: number;
  steps: number;
  agents: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  decisions: number;
  pending: number;
}

export interface ContextMetrics {
  /** What was looked at: the newest `runs` runs (created since `since`, when given). */
  window: { since: string | null; runs: number; limit: number };
  /** Oldest day first. */
  days: ({ day: string } & MetricsTotals)[];
  totals: MetricsTotals;
  /** Newest first. */
  runs: RunMetrics[];
}

/** `ContextMetrics` as a schema, for the HTTP API and the MCP tool, built on the first call. */
export const contextMetricsSchema = builtOnFirstUse(({ z }) => {
  const Totals = z.object({
    runs: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    steps: z.number(),
    agents: z.number(),
    costUsd: z.number(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    decisions: z.number(),
    pending: z.number(),
  });

  return z.object({
    window: z.object({ since: z.string().nullable(), runs: z.number(), limit: z.number() }),
    days: z.array(Totals.extend({ day: z.string() })),
    totals: Totals,
    runs: z.array(
      z.object({
        runId: z.string(),
        name: z.string(),
        status: z.string(),
        createdAt: z.string(),
        steps: z.number(),
        stepsSucceeded: z.number(),
        agents: z.record(z.string(), z.number()),
        reportingAgents: z.array(z.string()),
        costUsd: z.number(),
        inputTokens: z.number(),
        outputTokens: z.number(),
        decisions: z.number(),
        pending: z.number(),
      }),
    ),
  });
});

/**
 * Runs, steps, agents, cost, tokens and decisions of the workspace's recent runs, by the day
 * they were created: what `baton context metrics` prints. Every figure is folded from the
 * run's verified ledger, the same fold `baton status` shows.
 * @example
 * const { days, totals } = await readContextMetrics(store, { since: '2026-12-01' });
 */
export async function readContextMetrics(
  store: LedgerStore,
  options: ContextMetricsOptions = {},
): Promise<ContextMetrics> {
  const { limit, since } = metricsWindow(options);
  // Newest first: the first run created before `since` ends the window.
  const listed = await store.listRuns({ limit });
  const inWindow = since === null ? listed : listed.filter((run) => Date.parse(run.createdAt) >= Date.parse(since));
  const runs: RunMetrics[] = [];
  for (const run of inWindow) runs.push(await runMetrics(store, run));
  const byDay = new Map<string, MetricsTotals>();
  for (const run of [...runs].reverse()) {
    const day = run.createdAt.slice(0, 10);
    byDay.set(day, addRun(byDay.get(day) ?? emptyTotals(), run));
  }
  return {
    window: { since, runs: runs.length, limit },
    days: [...byDay].map(([day, totals]) => ({ day, ...totals })),
    totals: runs.reduce(addRun, emptyTotals()),
    runs,
  };
}

/**
 * The metrics of a workspace with no runs, for options checked as `readContextMetrics` checks
 * them: what `baton context metrics` prints where there is no workspace (it creates none).
 */
export function emptyContextMetrics(options: ContextMetricsOptions = {}): ContextMetrics {
  const { limit, since } = metricsWindow(options);
  return { window: { since, runs: 0, limit }, days: [], totals: emptyTotals(), runs: [] };
}

function metricsWindow(options: ContextMetricsOptions): { limit: number; since: string | null } {
  return {
    limit: checkRunsLimit(options.runs),
    since: options.since === undefined ? null : checkSince(options.since),
  };
}

async function runMetrics(store: LedgerStore, run: RunRecord): Promise<RunMetrics> {
  const fold = new AgentCountingFold();
  const { state } = await loadVerifiedRun(store, run.runId, fold);
  const agents = fold.agentsOf(state);
  const tokens = runTokens(state);
  const decisions = runDecisions(state);
  return {
    runId: run.runId,
    name: run.name,
    status: state.status,
    createdAt: run.createdAt,
    steps: state.stepCount,
    stepsSucceeded: Object.values(state.steps).filter((step) => step.status === 'succeeded').length,
    agents: agents.spawned,
    reportingAgents: agents.reporting,
    costUsd: state.budget.spentUsd,
    inputTokens: tokens?.inputTokens ?? 0,
    outputTokens: tokens?.outputTokens ?? 0,
    decisions: decisions.filter((d) => d.status !== 'pending').length,
    pending: decisions.filter((d) => d.status === 'pending').length,
  };
}

function emptyTotals(): MetricsTotals {
  return {
    runs: 0,
    succeeded: 0,
    failed: 0,
    steps: 0,
    agents: 0,
    costUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
    decisions: 0,
    pending: 0,
  };
}

function addRun(totals: MetricsTotals, run: RunMetrics): MetricsTotals {
  return {
    runs: totals.runs + 1,
    succeeded: totals.succeeded + (run.status === 'succeeded' ? 1 : 0),
    failed: totals.failed + (run.status === 'succeeded' || run.status === 'running' ? 0 : 1),
    steps: totals.steps + run.steps,
    agents: totals.agents + Object.values(run.agents).reduce((a, b) => a + b, 0) + run.reportingAgents.length,
    // Summed in micro-dollars: adding cents as floats drifts (0.1 + 0.2).
    costUsd: Math.round((totals.costUsd + run.costUsd) * 1e6) / 1e6,
    inputTokens: totals.inputTokens + run.inputTokens,
    outputTokens: totals.outputTokens + run.outputTokens,
    decisions: totals.decisions + run.decisions,
    pending: totals.pending + run.pending,
  };
}

function checkRunsLimit(runs: number | undefined): number {
  if (runs === undefined) return DEFAULT_METRICS_RUNS;
  if (!Number.isInteger(runs) || runs < 1 || runs > MAX_METRICS_RUNS)
    throw new BatonError(
      ErrorCode.badInput,
      `runs must be a whole number from 1 to ${MAX_METRICS_RUNS.toLocaleString('en')}, got ${String(runs)}`,
    );
  return runs;
}

/** A date (`2026-12-01`) or a time (`2026-12-01T09:00:00Z`), as the ISO-8601 time it means. */
function checkSince(since: string): string {
  const at = /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(since) ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(at))
    throw new BatonError(
      ErrorCode.badInput,
      `since must be a date like 2026-12-01 or a time like 2026-12-01T09:00:00Z, got ${JSON.stringify(since)}`,
    );
  return new Date(at).toISOString();
}
