import type { ApiScope, ApiToken, Json, LedgerEvent, RunStatus } from '../core/index.js';
import type { WorkspaceEntry } from '../ledger/index.js';
import type { ContextEntry, RunLock, RunRecord, WorkItem, WorkOutcome } from './port.js';

/** A row as the drivers give it: both adapters name their columns alike, so one mapping serves both. */
export type Row = Record<string, unknown>;

/*
 * node-postgres returns bigint columns as strings (better-sqlite3 returns numbers), since an int8 can exceed 2^53. Baton's are
 * sequence numbers and milliseconds since the epoch, far below that, so they become numbers.
 */
const toNumber = (value: unknown): number => Number(value);
const toNumberOrNull = (value: unknown): number | null => (value === null ? null : Number(value));

export function toEvent(row: Row): LedgerEvent {
  return {
    runId: row.run_id as string,
    seq: toNumber(row.seq),
    type: row.type as LedgerEvent['type'],
    at: row.at as string,
    data: JSON.parse(row.data as string) as LedgerEvent['data'],
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  } as LedgerEvent;
}

export function toRun(row: Row): RunRecord {
  return {
    runId: row.run_id as string,
    name: row.name as string,
    planHash: row.plan_hash as string,
    status: row.status as RunStatus,
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
    headSeq: toNumber(row.head_seq),
    headHash: row.head_hash as string,
  };
}

export function toWork(row: Row): WorkItem {
  return {
    runId: row.run_id as string,
    attemptId: row.attempt_id as string,
    step: row.step as string,
    capability: row.capability as string,
    kind: row.kind as WorkItem['kind'],
    skill: (row.skill as string | null) ?? null,
    revision: toNumber(row.revision),
    idempotencyKey: row.idempotency_key as string,
    input: JSON.parse(row.input as string) as Json,
    timeoutMs: toNumberOrNull(row.timeout_ms),
    enqueuedSeq: toNumber(row.enqueued_seq),
    claimedBy: (row.claimed_by as string | null) ?? null,
    leaseUntil: toNumberOrNull(row.lease_until),
    // SQLite keeps booleans as 0/1.
    abandoned: row.abandoned === true || row.abandoned === 1,
    outcome: row.outcome == null ? null : (JSON.parse(row.outcome as string) as WorkOutcome),
  };
}

export function toLock(row: Row): RunLock {
  return {
    id: row.lock_owner as string,
    host: row.lock_host as string,
    pid: row.lock_pid as number,
    expiresAt: toNumber(row.lock_expires_at),
  };
}

export function toContextEntry(row: Row): ContextEntry {
  return {
    id: row.id as string,
    kind: row.kind as ContextEntry['kind'],
    text: row.text as string,
    runId: (row.run_id as string | null) ?? null,
    status: row.status as ContextEntry['status'],
    outcome: (row.outcome as string | null) ?? null,
    createdAt: row.created_at as string,
    completedAt: (row.completed_at as string | null) ?? null,
  };
}

export function toApiToken(row: Row): ApiToken {
  return {
    id: row.id as string,
    name: row.name as string,
    scopes: (row.scopes as string).split(',').filter((scope) => scope !== '') as ApiScope[],
    ...(typeof row.role === 'string' && { role: row.role }),
    createdAt: row.created_at as string,
    revokedAt: (row.revoked_at as string | null) ?? null,
  };
}

export function toWorkspaceEntry(row: Row): WorkspaceEntry {
  return {
    runId: row.run_id as string,
    seq: toNumber(row.seq),
    type: row.type as WorkspaceEntry['type'],
    at: row.at as string,
    data: JSON.parse(row.data as string) as WorkspaceEntry['data'],
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  } as WorkspaceEntry;
}
