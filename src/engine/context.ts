import { BatonError, ErrorCode, NotFoundError, parseDecisionId, type RunState } from '../core/index.js';
import { builtOnFirstUse } from '../core/deferred-packages.js';
import { loadVerifiedRun } from './load-run.js';
import { AgentCountingFold, type RunAgents } from './run-agents.js';
import {
  CONTEXT_ID_PREFIX,
  type ContextEntry,
  type LedgerStore,
  type RunRecord,
  type WorkspaceStore,
} from '../store/index.js';

/** The schemas of what the context surfaces (OpenAPI, MCP tools) show, built on the first call. */
export const contextSchemas = builtOnFirstUse(({ z }) => {
  /** A context entry as a schema, for the surfaces that describe what they return (OpenAPI, MCP tools). */
  const ContextEntrySchema = z.strictObject({
    id: z.string().describe('`obj-1`, `task-2`, `ins-3`'),
    kind: z.enum(['objective', 'task', 'insight']),
    text: z.string(),
    runId: z.string().nullable(),
    status: z.enum(['open', 'complete', 'recorded']),
    outcome: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  });

  /** The agents a run involved, as the context surfaces show them. */
  const RunAgentsSchema = z.object({
    runId: z.string(),
    spawned: z.record(z.string(), z.number()).describe('attempts dispatched to each `agent` capability'),
    reporting: z.array(z.string()).describe('agents outside the engine that reported on the run'),
  });

  /** A decision of a run as the context surfaces show it. */
  const ContextDecisionSchema = z.object({
    runId: z.string(),
    id: z.string(),
    status: z.enum(['pending', 'approved', 'denied']),
    kind: z.string(),
    reason: z.string().nullable(),
    by: z.string().nullable(),
    comment: z.string().nullable(),
  });

  return { ContextEntrySchema, RunAgentsSchema, ContextDecisionSchema };
});

/** What `baton context` shows: the workspace's objectives, tasks and insights, oldest first, and its recent runs. */
export interface WorkspaceContext {
  objectives: ContextEntry[];
  tasks: ContextEntry[];
  insights: ContextEntry[];
  /** Newest first. */
  runs: RunRecord[];
  /** Decisions of the recent runs, pending ones first: what waits for a person, and what people decided. */
  decisions: ContextDecision[];
  /** The agents each recent run spawned or heard from, newest run first; runs that involved none are left out. */
  agents: RunAgents[];
}

export interface ContextDecision {
  runId: string;
  id: string;
  /** `pending`, or the verdict recorded: `approved`, `denied`. */
  status: 'pending' | 'approved' | 'denied';
  kind: string;
  reason: string | null;
  by: string | null;
  comment: string | null;
}

/** Enough for a paragraph of findings; a longer text is more likely a file pasted by mistake. */
const MAX_CONTEXT_TEXT = 10_000;

const RECENT_RUNS = 20;

// Insight ids pass too, so that the store can say why an insight cannot be completed.
const ID_PATTERN = new RegExp(`^(${Object.values(CONTEXT_ID_PREFIX).join('|')})-[1-9][0-9]*$`);

/**
 * The text of an entry or an outcome, trimmed; throws bad input that names `what` when it
 * is empty or too long. Exported so that a caller can check before it opens a workspace.
 */
export function checkContextText(what: string, text: unknown): string {
  if (typeof text !== 'string')
    throw new BatonError(ErrorCode.badInput, `${what} must be text, got ${text === null ? 'null' : typeof text}`);
  const trimmed = text.trim();
  if (trimmed === '') throw new BatonError(ErrorCode.badInput, `${what} is empty; give it as non-blank text`);
  if (trimmed.length > MAX_CONTEXT_TEXT) {
    throw new BatonError(
      ErrorCode.badInput,
      `${what} is ${trimmed.length.toLocaleString('en')} characters long; at most ${MAX_CONTEXT_TEXT.toLocaleString('en')} are kept`,
    );
  }
  return trimmed;
}

/** Records an objective, a task or an insight, optionally for an existing run. Nothing is written when the input is bad. */
export async function recordContextEntry(
  store: LedgerStore & WorkspaceStore,
  entry: { kind: ContextEntry['kind']; text: unknown; runId?: string; at: string },
): Promise<ContextEntry> {
  const text = checkContextText(`${entry.kind} text`, entry.text);
  if (entry.runId !== undefined && !(await store.getRun(entry.runId))) throw new NotFoundError(`run "${entry.runId}"`);
  return store.addContextEntry({ kind: entry.kind, text, runId: entry.runId, at: entry.at });
}

/**
 * Completes an open objective or task; a completed one, or an insight, is a ConflictError
 * from the store. `kind: 'objective'` takes objective ids only (the objectives route).
 */
export async function completeContextEntry(
  store: WorkspaceStore,
  args: { id: unknown; outcome: unknown; at: string; kind?: 'objective' },
): Promise<ContextEntry> {
  const { id } = args;
  const objectiveOnly = args.kind === 'objective';
  const isTask = typeof id === 'string' && id.startsWith(`${CONTEXT_ID_PREFIX.task}-`);
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || (objectiveOnly && isTask)) {
    const shown = JSON.stringify(id) ?? String(id);
    throw new BatonError(
      ErrorCode.badInput,
      objectiveOnly
        ? `${shown} is not an objective id; objective ids look like ${CONTEXT_ID_PREFIX.objective}-N (for example ${CONTEXT_ID_PREFIX.objective}-1)`
        : `${shown} is not an objective or task id; ids look like ${CONTEXT_ID_PREFIX.objective}-N or ${CONTEXT_ID_PREFIX.task}-N (for example ${CONTEXT_ID_PREFIX.objective}-1)`,
    );
  }
  const outcome = checkContextText('outcome', args.outcome);
  const completed = await store.completeContextEntry({ id, outcome, at: args.at });
  if (!completed)
    throw new NotFoundError(`${id.startsWith(`${CONTEXT_ID_PREFIX.task}-`) ? 'task' : 'objective'} "${id}"`);
  return completed;
}

/** Everything `baton context` shows; each recent run is folded from its ledger once. */
export async function readContext(store: LedgerStore & WorkspaceStore): Promise<WorkspaceContext> {
  const [entries, runs] = await Promise.all([store.listContextEntries(), store.listRuns({ limit: RECENT_RUNS })]);
  const pending: ContextDecision[] = [];
  const decided: ContextDecision[] = [];
  const agents: RunAgents[] = [];
  for (const run of runs) {
    const fold = new AgentCountingFold();
    const { state } = await loadVerifiedRun(store, run.runId, fold);
    for (const decision of runDecisions(state)) (decision.status === 'pending' ? pending : decided).push(decision);
    const involved = fold.agentsOf(state);
    if (Object.keys(involved.spawned).length > 0 || involved.reporting.length > 0) agents.push(involved);
  }
  return {
    objectives: entries.filter((e) => e.kind === 'objective'),
    tasks: entries.filter((e) => e.kind === 'task'),
    insights: entries.filter((e) => e.kind === 'insight'),
    runs,
    decisions: [...pending, ...decided],
    agents,
  };
}

/** Pending decisions of the runs still running, then what people decided, from each run's ledger. */
export async function decisionsOf(store: LedgerStore, runs: readonly RunRecord[]): Promise<ContextDecision[]> {
  const pending: ContextDecision[] = [];
  const decided: ContextDecision[] = [];
  for (const run of runs) {
    const { state } = await loadVerifiedRun(store, run.runId);
    for (const decision of runDecisions(state)) (decision.status === 'pending' ? pending : decided).push(decision);
  }
  return [...pending, ...decided];
}

/** A run's decisions: what waits for a person, what was approved, and a denial that ended it. */
export function runDecisions(state: RunState): ContextDecision[] {
  const decisions: ContextDecision[] = [];
  for (const p of state.pending.values())
    decisions.push({
      runId: state.runId,
      id: p.id,
      status: 'pending',
      kind: p.kind,
      reason: p.reason,
      by: null,
      comment: null,
    });
  for (const [id, approval] of state.approvals)
    decisions.push({
      runId: state.runId,
      id,
      status: 'approved',
      kind: parseDecisionId(id)?.kind ?? id,
      reason: null,
      by: approval.by,
      comment: approval.comment,
    });
  if (state.status === 'denied')
    decisions.push({
      runId: state.runId,
      id: 'run',
      status: 'denied',
      kind: 'run',
      reason: state.failure,
      by: null,
      comment: null,
    });
  return decisions;
}
