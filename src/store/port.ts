import type { Json, LedgerEvent, RunStatus } from '../core/index.js';

/**
 * The one storage port. Two adapters implement it (SQLite embedded, PostgreSQL for many
 * processes) and one conformance suite (conformance.ts) holds both to the same behaviour.
 * Times are milliseconds since the epoch, passed in by the caller: the store reads no clock
 * of its own, so tests can drive leases deterministically.
 */

/** The index row of a run. The ledger is the truth; this row only makes listing cheap. */
export interface RunRecord {
  runId: string;
  name: string;
  planHash: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  headSeq: number;
  headHash: string;
}

/** A dispatched attempt waiting for, or held by, a worker. */
export interface WorkItem {
  runId: string;
  attemptId: string;
  step: string;
  capability: string;
  idempotencyKey: string;
  input: Json;
  timeoutMs: number | null;
  /** Position in the run's ledger of the dispatch; work is claimed in this order. */
  enqueuedSeq: number;
  claimedBy: string | null;
  leaseUntil: number | null;
}

/** Who conducts a run. Exactly one owner at a time; a lease that is not renewed expires. */
export interface RunOwner {
  id: string;
  host: string;
  pid: number;
}

export interface RunLock extends RunOwner {
  expiresAt: number;
}

/**
 * Everything one decision round writes, committed atomically: the events (already chained
 * onto `expectedSeq`), the run's index row, and the work queue changes they imply.
 */
export interface AppendBatch {
  runId: string;
  /** The head the events were chained onto; a different head in the store is a ConflictError. */
  expectedSeq: number;
  events: LedgerEvent[];
  status: RunStatus;
  /** For the first batch of a run (expectedSeq 0): its name and plan hash. */
  create?: { name: string; planHash: string };
  enqueue?: WorkItem[];
  dequeue?: string[];
}

export interface ListRunsQuery {
  status?: RunStatus;
  limit?: number;
  /** Paging: only runs listed after this one (newest first: created earlier, or at the same time with a smaller id). */
  before?: { createdAt: string; runId: string };
}

/**
 * What a workspace remembers across sessions besides its runs (`baton context`): the
 * objectives it is pursuing and the insights learned along the way.
 */
export interface ContextEntry {
  /** `obj-1`, `ins-3`: the kind's prefix and a number, unique in the workspace. */
  id: string;
  kind: 'objective' | 'insight';
  text: string;
  /** The run it was recorded for, if any. */
  runId: string | null;
  /** Objectives are `open` until completed; insights are always `recorded`. */
  status: 'open' | 'complete' | 'recorded';
  outcome: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** Each kind's id prefix: the store numbers entries per kind, so ids read `obj-1`, `ins-1`. */
export const CONTEXT_ID_PREFIX = { objective: 'obj', insight: 'ins' } as const satisfies Record<ContextEntry['kind'], string>;

/**
 * An event with its place in the workspace-wide stream of every run's events. Positions are
 * opaque text that only the store that gave them can read; within one store they follow
 * commit order, so reading after a position never misses or repeats an event (each adapter
 * says how it keeps that promise).
 */
export interface PositionedEvent {
  position: string;
  event: LedgerEvent;
}

/** What an API token may do; `admin` may do everything (docs/api.md lists each route's scope). */
export const API_SCOPES = ['read', 'operate', 'approve', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A bearer token of the HTTP API as the store keeps it: never its secret, only a hash of it (see engine/api-tokens.ts). */
export interface ApiToken {
  /** `tok_` and 12 hex digits; shown by `baton token list`. */
  id: string;
  /** Unique in the workspace, revoked tokens included: the ledger records actions as `token:<name>`. */
  name: string;
  scopes: ApiScope[];
  createdAt: string;
  revokedAt: string | null;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Appends a batch atomically; throws ConflictError when the chain head moved or the run exists already. */
  append(batch: AppendBatch): Promise<void>;
  /** Events of a run in order, after `afterSeq`. */
  readEvents(runId: string, afterSeq?: number, limit?: number): Promise<LedgerEvent[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(query?: ListRunsQuery): Promise<RunRecord[]>;
  /** Work of a run that is still queued or held (for resuming after a crash). */
  listWork(runId: string): Promise<WorkItem[]>;
  /** Claims up to `limit` unclaimed items in dispatch order, in one statement. */
  claimWork(args: { workerId: string; runId?: string; limit: number; leaseUntil: number }): Promise<WorkItem[]>;
  /** Renews the leases of everything a worker holds; returns how many it still holds. */
  renewLeases(workerId: string, leaseUntil: number): Promise<number>;
  /**
   * Takes the run's conductor lock when it is free, expired, already ours, or held by
   * `replacing` (an owner known to be dead). Returns the holder when it could not.
   */
  acquireRunLock(args: { runId: string; owner: RunOwner; expiresAt: number; now: number; replacing?: string }): Promise<{ acquired: true } | { acquired: false; holder: RunLock }>;
  releaseRunLock(runId: string, ownerId: string): Promise<void>;
  /** Records an objective or insight; the store numbers it (`obj-1`, `ins-1`, ...). */
  addContextEntry(entry: { kind: ContextEntry['kind']; text: string; runId?: string; at: string }): Promise<ContextEntry>;
  /** Marks an open objective complete with its outcome; undefined when there is no such objective, ConflictError when it is not open. */
  completeContextEntry(args: { id: string; outcome: string; at: string }): Promise<ContextEntry | undefined>;
  /** Entries oldest first, optionally of one kind. */
  listContextEntries(query?: { kind?: ContextEntry['kind'] }): Promise<ContextEntry[]>;
  /**
   * Events of every run in commit order, after `position` (from the start when undefined), at
   * most `limit`. A position this store did not give is bad input (BatonError `bad_input`).
   */
  readEventsAfter(position: string | undefined, limit: number): Promise<PositionedEvent[]>;
  /** Records a token by the hash of its secret; ConflictError when the name is taken (revoked tokens keep theirs). */
  createApiToken(token: ApiToken & { secretHash: string }): Promise<ApiToken>;
  /** The token whose secret has this hash, revoked or not. */
  findApiToken(secretHash: string): Promise<ApiToken | undefined>;
  /** Tokens oldest first, optionally only those not revoked. */
  listApiTokens(query?: { active?: boolean }): Promise<ApiToken[]>;
  /** Revokes a token by id or name; undefined when there is none, ConflictError when it is revoked already. */
  revokeApiToken(args: { idOrName: string; at: string }): Promise<ApiToken | undefined>;
  close(): Promise<void>;
}

/**
 * A run's whole ledger in pages, so that folding or verifying a long run holds one page of
 * events in memory at a time rather than all of them.
 */
export async function* readAllEvents(store: Store, runId: string, pageSize = 2_000): AsyncGenerator<LedgerEvent> {
  let after = 0;
  for (;;) {
    const page = await store.readEvents(runId, after, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    after = (page.at(-1) as LedgerEvent).seq;
  }
}
