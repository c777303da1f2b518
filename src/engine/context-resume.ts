import type { ContextEntry, LedgerStore, RunRecord, WorkspaceStore } from '../store/index.js';
import { builtOnFirstUse } from '../core/deferred-packages.js';
import { contextSchemas, decisionsOf, type ContextDecision } from './context.js';

/** Running runs whose pending decisions `resume` gathers, newest first (each is folded from its ledger). */
const RESUME_RUNS = 100;

/** Insights `resume` shows, the newest. */
const RESUME_INSIGHTS = 10;

/**
 * What a new session (a person, or an agent starting fresh) needs to carry on in a workspace:
 * what it pursues, what is open, what waits for a person, and what was learned last.
 */
export interface ContextResume {
  /** Open objectives, oldest first. */
  objectives: ContextEntry[];
  /** Open tasks, oldest first. */
  tasks: ContextEntry[];
  /** Decisions waiting for a person, in every run still running. */
  pending: ContextDecision[];
  /** Runs still running, newest first. */
  running: RunRecord[];
  /** The newest insights, oldest first. */
  insights: ContextEntry[];
}

/** `ContextResume` as a schema, for the HTTP API and the MCP tool, built on the first call. */
export const contextResumeSchema = builtOnFirstUse(({ z }) => {
  const { ContextDecisionSchema, ContextEntrySchema } = contextSchemas();
  return z.object({
    objectives: z.array(ContextEntrySchema),
    tasks: z.array(ContextEntrySchema),
    pending: z.array(ContextDecisionSchema),
    running: z.array(
      z.object({
        runId: z.string(),
        name: z.string(),
        planHash: z.string(),
        status: z.string(),
        createdAt: z.string(),
        updatedAt: z.string(),
        headSeq: z.number(),
        headHash: z.string(),
      }),
    ),
    insights: z.array(ContextEntrySchema),
  });
});

/**
 * Reads what `baton context resume` prints.
 * @example
 * const { objectives, pending } = await readContextResume(store);
 */
export async function readContextResume(store: LedgerStore & WorkspaceStore): Promise<ContextResume> {
  const [entries, running] = await Promise.all([
    store.listContextEntries(),
    store.listRuns({ status: 'running', limit: RESUME_RUNS }),
  ]);
  const open = (kind: ContextEntry['kind']) => entries.filter((e) => e.kind === kind && e.status === 'open');
  const insights = entries.filter((e) => e.kind === 'insight');
  return {
    objectives: open('objective'),
    tasks: open('task'),
    pending: (await decisionsOf(store, running)).filter((d) => d.status === 'pending'),
    running,
    insights: insights.slice(Math.max(0, insights.length - RESUME_INSIGHTS)),
  };
}
