/**
 * The workspace context as a run's expressions read it (`context.objectives[0].text`): what
 * the workspace pursued, had open, had learned and waited on when the run was created. The
 * engine takes it once, at creation, and records it in `run.created`, so that the conductor
 * reads it from the ledger and a replay sees exactly what the run saw.
 */
export interface ContextSnapshot {
  /** Open objectives, oldest first. */
  objectives: SnapshotEntry[];
  /** Open tasks, oldest first. */
  tasks: SnapshotEntry[];
  /** The newest insights, oldest first. */
  insights: SnapshotEntry[];
  /** Decisions of recent runs, pending ones first (what waits for a person), then what people decided. */
  decisions: SnapshotDecision[];
}

export interface SnapshotEntry {
  /** `obj-1`, `task-2`, `ins-3`. */
  id: string;
  text: string;
  /** The run it was recorded for, or null. */
  runId: string | null;
}

export interface SnapshotDecision {
  runId: string;
  id: string;
  status: 'pending' | 'approved' | 'denied';
  kind: string;
  reason: string | null;
}

/**
 * How many entries of each kind a snapshot keeps, the newest: a workspace that has gathered
 * thousands of insights must not make every run's first event megabytes long.
 */
export const CONTEXT_SNAPSHOT_LIMIT = 50;

/** What a run that recorded no snapshot (or a workspace with no context) reads: empty lists, never an error. */
export const EMPTY_CONTEXT: ContextSnapshot = Object.freeze({
  objectives: [],
  tasks: [],
  insights: [],
  decisions: [],
}) as ContextSnapshot;

/** The newest `limit` of a list kept oldest first. */
export function newest<T>(list: readonly T[], limit = CONTEXT_SNAPSHOT_LIMIT): T[] {
  return list.slice(Math.max(0, list.length - limit));
}
