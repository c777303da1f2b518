import type { ApiToken } from '../../core/index.js';

/**
 * What a workspace remembers across sessions besides its runs (`baton context`): the
 * objectives it is pursuing, the tasks open on the way, and the insights learned.
 */
export interface ContextEntry {
  /** `obj-1`, `task-2`, `ins-3`: the kind's prefix and a number, unique in the workspace. */
  id: string;
  kind: 'objective' | 'task' | 'insight';
  text: string;
  /** The run it was recorded for, if any. */
  runId: string | null;
  /** Objectives and tasks are `open` until completed; insights are always `recorded`. */
  status: 'open' | 'complete' | 'recorded';
  outcome: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** Each kind's id prefix: the store numbers entries per kind, so ids read `obj-1`, `task-1`, `ins-1`. */
export const CONTEXT_ID_PREFIX = { objective: 'obj', task: 'task', insight: 'ins' } as const satisfies Record<
  ContextEntry['kind'],
  string
>;

/** What the workspace keeps besides its runs: the context of `baton context`, and the HTTP API's tokens. */
export interface WorkspaceStore {
  /** Records an objective, task or insight; the store numbers it (`obj-1`, `task-1`, `ins-1`, ...). */
  addContextEntry(entry: {
    kind: ContextEntry['kind'];
    text: string;
    runId?: string;
    at: string;
  }): Promise<ContextEntry>;
  /** Marks an open objective or task complete with its outcome; undefined when there is no such entry, ConflictError when it is not open (or an insight). */
  completeContextEntry(args: { id: string; outcome: string; at: string }): Promise<ContextEntry | undefined>;
  /** Entries oldest first, optionally of one kind. */
  listContextEntries(query?: { kind?: ContextEntry['kind'] }): Promise<ContextEntry[]>;
  /** Records a token by the hash of its secret; ConflictError when the name is taken (revoked tokens keep theirs). */
  createApiToken(token: ApiToken & { secretHash: string }): Promise<ApiToken>;
  /** The token whose secret has this hash, revoked or not. */
  findApiToken(secretHash: string): Promise<ApiToken | undefined>;
  /** Tokens oldest first, optionally only those not revoked. */
  listApiTokens(query?: { active?: boolean }): Promise<ApiToken[]>;
  /** Revokes a token by id or name; undefined when there is none, ConflictError when it is revoked already. */
  revokeApiToken(args: { idOrName: string; at: string }): Promise<ApiToken | undefined>;
}
