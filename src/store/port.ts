import { ConflictError, type BatonEvent, type Json, type LedgerEvent, type RunStatus } from '../core/index.js';
import type { WorkspaceEntry } from '../ledger/index.js';

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

/** What a worker reports of an attempt; the conductor records it in the ledger as it is. */
export type WorkOutcome = Extract<BatonEvent, { type: 'attempt.succeeded' | 'attempt.failed' }>;

/** A dispatched attempt waiting for, or held by, a worker. */
export interface WorkItem {
  runId: string;
  attemptId: string;
  step: string;
  capability: string;
  /** A command's definition travels in the plan, so any worker runs it; a function runs only where it is registered. */
  kind: 'command' | 'function';
  /** The skill the step asked for, if it named one: `baton worker --skills` claims only those. */
  skill: string | null;
  /** The plan revision the attempt was dispatched under; its capability definitions apply. */
  revision: number;
  idempotencyKey: string;
  input: Json;
  timeoutMs: number | null;
  /** Position in the run's ledger of the dispatch; work is claimed in this order. */
  enqueuedSeq: number;
  claimedBy: string | null;
  leaseUntil: number | null;
  /** The conductor gave the attempt up when its lease expired; a late outcome is still recorded, as stale. */
  abandoned: boolean;
  /** What the worker reported, held until the conductor records it. */
  outcome: WorkOutcome | null;
}

/** Attempt ids are unique within a run; work across runs is named by both. */
export interface WorkKey {
  runId: string;
  attemptId: string;
}

/** A worker's report of one attempt it held. */
export interface WorkReport extends WorkKey {
  outcome: WorkOutcome;
}

/** Something another process did that a sleeping engine or worker should look at. */
export interface StoreNotice {
  /** `ledger`: events were appended; `work`: work became claimable; `outcomes`: a worker reported. */
  topic: 'ledger' | 'work' | 'outcomes';
  runId: string;
}

/**
 * The append was fenced on a conductor lock that another engine now holds: this process must
 * stop deciding for the run (it is a ConflictError, but reloading and carrying on would be wrong).
 */
export class LockLostError extends ConflictError {}

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
  /**
   * For the first batch of a run (expectedSeq 0): its name and plan hash, and the conductor
   * lock when the creator conducts it (taken in the same transaction, so no other engine can
   * pick the new run up first).
   */
  create?: { name: string; planHash: string; lock?: RunLock };
  enqueue?: WorkItem[];
  /** Work that is done with: its rows are deleted. */
  dequeue?: string[];
  /** Work whose lease expired: kept, marked abandoned, so a late outcome is recorded as stale. */
  abandon?: string[];
  /**
   * The conductor appending, by owner id: the append fails with LockLostError unless it still
   * holds the run's lock. Operator commands from other processes append without it.
   */
  conductor?: string;
}

export interface ListRunsQuery {
  status?: RunStatus;
  limit?: number;
  /** Paging: only runs listed after this one (newest first: created earlier, or at the same time with a smaller id). */
  before?: { createdAt: string; runId: string };
  /**
   * Only runs whose id, plan name or objective contains this text, ignoring the case of ASCII
   * letters. It is matched as typed: `%`, `_` and `\` are no wildcards.
   */
  search?: string;
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
export const CONTEXT_ID_PREFIX = { objective: 'obj', insight: 'ins' } as const satisfies Record<
  ContextEntry['kind'],
  string
>;

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
  /**
   * Claims up to `limit` unclaimed items in dispatch order, in one statement. `functions`
   * (when given) are the function capabilities the claimer has; `skills` (when given) limit it
   * to work for those skills.
   */
  claimWork(args: {
    workerId: string;
    runId?: string;
    limit: number;
    leaseUntil: number;
    functions?: readonly string[];
    skills?: readonly string[];
  }): Promise<WorkItem[]>;
  /** Renews the leases of everything a worker still holds (not reported, not abandoned); returns those attempt ids. */
  renewLeases(workerId: string, leaseUntil: number): Promise<WorkKey[]>;
  /**
   * Stores workers' outcomes on the items they hold, in one statement; returns the items
   * stored. An item that is gone (cancelled, or its run ended) or held by another takes nothing.
   */
  reportWork(workerId: string, reports: readonly WorkReport[]): Promise<WorkKey[]>;
  /** Hands items a worker holds but will not finish back to the queue, for another worker to claim. */
  releaseWork(workerId: string, items: readonly WorkKey[]): Promise<void>;
  /** Items of a run whose outcome a worker reported and the conductor has not recorded yet. */
  reportedWork(runId: string): Promise<WorkItem[]>;
  /** Running runs that no live engine conducts: no conductor lock, or one that expired before `now`. */
  listUnconductedRuns(now: number, limit: number): Promise<string[]>;
  /**
   * Calls `listener` when another process (or this one) appends, enqueues or reports. A wake-up
   * only: a lost notice must never lose work, so every sleeper also polls.
   */
  subscribe(listener: (notice: StoreNotice) => void): Promise<() => Promise<void>>;
  /**
   * Takes the run's conductor lock when it is free, expired, already ours, or held by
   * `replacing` (an owner known to be dead). Returns the holder when it could not.
   */
  acquireRunLock(args: {
    runId: string;
    owner: RunOwner;
    expiresAt: number;
    now: number;
    replacing?: string;
  }): Promise<{ acquired: true } | { acquired: false; holder: RunLock }>;
  releaseRunLock(runId: string, ownerId: string): Promise<void>;
  /** Records an objective or insight; the store numbers it (`obj-1`, `ins-1`, ...). */
  addContextEntry(entry: {
    kind: ContextEntry['kind'];
    text: string;
    runId?: string;
    at: string;
  }): Promise<ContextEntry>;
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
  /**
   * Entries of the workspace ledger (every run's creation and end, chained), in seq order:
   * after `afterSeq`, at most `limit`, only those of `runId` when given. Appends write them,
   * in the same transaction as the events they anchor.
   */
  readWorkspaceLedger(query?: { afterSeq?: number; limit?: number; runId?: string }): Promise<WorkspaceEntry[]>;
  /**
   * When the workspace ledger began (the time its migration was applied); runs created before
   * have no entries in it. Null when it covers every run this store ever held.
   */
  workspaceLedgerSince(): Promise<string | null>;
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
