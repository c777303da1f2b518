import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConflictError, type LedgerEvent } from '../../core/index.js';
import { assertSchemaKnown, loadMigrations } from '../migrations.js';
import { toContextEntry, toEvent, toRun, toWork, type Row } from '../rows.js';
import { CONTEXT_ID_PREFIX, type AppendBatch, type ContextEntry, type ListRunsQuery, type RunLock, type RunRecord, type Store, type WorkItem } from '../port.js';
import * as sql from './queries.js';

export interface SqliteStoreOptions {
  /**
   * `normal` (default) survives a crash of the process at any point: WAL commits are atomic.
   * `full` also survives power loss, at the price of an fsync per commit.
   */
  synchronous?: 'normal' | 'full';
}

function migrate(db: Database.Database): void {
  const migrations = loadMigrations('sqlite');
  db.exec('CREATE TABLE IF NOT EXISTS baton_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  db.transaction(() => {
    const current = (db.prepare('SELECT MAX(version) AS v FROM baton_migrations').get() as { v: number | null }).v ?? 0;
    assertSchemaKnown(current, migrations);
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.prepare('INSERT INTO baton_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, new Date().toISOString());
      db.exec(migration.sql);
    }
  }).immediate();
}

/**
 * The embedded store: one SQLite file in WAL mode through better-sqlite3. Its calls are
 * synchronous underneath; the port is async so that the PostgreSQL adapter fits the same
 * shape. Every append is one transaction.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite';
  private readonly db: Database.Database;
  private readonly statements;
  private readonly appendTransaction: (batch: AppendBatch) => void;

  constructor(
    readonly file: string,
    options: SqliteStoreOptions = {},
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 5_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    const prepare = (text: string) => this.db.prepare(text);
    this.statements = {
      selectHead: prepare(sql.SELECT_HEAD),
      insertRun: prepare(sql.INSERT_RUN),
      updateRunHead: prepare(sql.UPDATE_RUN_HEAD),
      insertEvent: prepare(sql.INSERT_EVENT),
      selectEvents: prepare(sql.SELECT_EVENTS),
      insertWork: prepare(sql.INSERT_WORK),
      deleteWork: prepare(sql.DELETE_WORK),
      selectWork: prepare(sql.SELECT_WORK),
      claimWork: prepare(sql.CLAIM_WORK),
      renewLeases: prepare(sql.RENEW_LEASES),
      selectRun: prepare(sql.SELECT_RUN),
      listRuns: prepare(sql.LIST_RUNS),
      acquireLock: prepare(sql.ACQUIRE_LOCK),
      selectLock: prepare(sql.SELECT_LOCK),
      releaseLock: prepare(sql.RELEASE_LOCK),
      insertContextEntry: prepare(sql.INSERT_CONTEXT_ENTRY),
      completeObjective: prepare(sql.COMPLETE_OBJECTIVE),
      selectContextEntry: prepare(sql.SELECT_CONTEXT_ENTRY),
      listContextEntries: prepare(sql.LIST_CONTEXT_ENTRIES),
    };
    this.appendTransaction = this.db.transaction((batch: AppendBatch) => this.appendNow(batch)).immediate;
  }

  private appendNow(batch: AppendBatch): void {
    const { runId, events, expectedSeq } = batch;
    const last = events.at(-1);
    if (!last) return;
    const s = this.statements;
    if (expectedSeq === 0) {
      if (!batch.create) throw new Error('store: the first batch of a run must say `create`');
      if (s.selectHead.get(runId)) throw new ConflictError(`run "${runId}" already exists`);
      s.insertRun.run({ runId, ...batch.create, status: batch.status, at: last.at, headSeq: last.seq, headHash: last.hash });
    } else {
      const updated = s.updateRunHead.run({ runId, expectedSeq, headSeq: last.seq, headHash: last.hash, status: batch.status, at: last.at });
      if (updated.changes !== 1) throw new ConflictError(`run "${runId}" moved past seq ${expectedSeq}; another process appended to it`);
    }
    for (const event of events) {
      s.insertEvent.run(runId, event.seq, event.type, event.at, JSON.stringify(event.data), event.prevHash, event.hash);
    }
    for (const item of batch.enqueue ?? []) {
      s.insertWork.run(runId, item.attemptId, item.step, item.capability, item.idempotencyKey, JSON.stringify(item.input), item.timeoutMs, item.enqueuedSeq, item.claimedBy, item.leaseUntil);
    }
    for (const attemptId of batch.dequeue ?? []) s.deleteWork.run(runId, attemptId);
  }

  async append(batch: AppendBatch): Promise<void> {
    this.appendTransaction(batch);
  }

  async readEvents(runId: string, afterSeq = 0, limit = Number.MAX_SAFE_INTEGER): Promise<LedgerEvent[]> {
    return (this.statements.selectEvents.all(runId, afterSeq, limit) as Row[]).map(toEvent);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.statements.selectRun.get(runId) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    return (this.statements.listRuns.all({ status: query.status ?? null, limit: query.limit ?? 50 }) as Row[]).map(toRun);
  }

  async listWork(runId: string): Promise<WorkItem[]> {
    return (this.statements.selectWork.all(runId) as Row[]).map(toWork);
  }

  async claimWork(args: { workerId: string; runId?: string; limit: number; leaseUntil: number }): Promise<WorkItem[]> {
    const rows = this.statements.claimWork.all({ workerId: args.workerId, runId: args.runId ?? null, limit: args.limit, leaseUntil: args.leaseUntil }) as Row[];
    return rows.map(toWork).sort((a, b) => a.enqueuedSeq - b.enqueuedSeq);
  }

  async renewLeases(workerId: string, leaseUntil: number): Promise<number> {
    return this.statements.renewLeases.run(leaseUntil, workerId).changes;
  }

  async acquireRunLock(args: { runId: string; owner: { id: string; host: string; pid: number }; expiresAt: number; now: number; replacing?: string }) {
    const { runId, owner, expiresAt, now } = args;
    const result = this.statements.acquireLock.run({ runId, ...owner, expiresAt, now, replacing: args.replacing ?? null });
    if (result.changes === 1) return { acquired: true } as const;
    const row = this.statements.selectLock.get(runId) as Row | undefined;
    if (!row) throw new ConflictError(`run "${runId}" does not exist`);
    const holder: RunLock = { id: row.lock_owner as string, host: row.lock_host as string, pid: row.lock_pid as number, expiresAt: row.lock_expires_at as number };
    return { acquired: false, holder } as const;
  }

  async releaseRunLock(runId: string, ownerId: string): Promise<void> {
    this.statements.releaseLock.run(runId, ownerId);
  }

  async addContextEntry(entry: { kind: ContextEntry['kind']; text: string; runId?: string; at: string }): Promise<ContextEntry> {
    const { kind, text, at } = entry;
    const status = kind === 'objective' ? 'open' : 'recorded';
    const row = this.statements.insertContextEntry.get({ prefix: CONTEXT_ID_PREFIX[kind], kind, text, runId: entry.runId ?? null, status, at }) as Row;
    return toContextEntry(row);
  }

  async completeContextEntry(args: { id: string; outcome: string; at: string }): Promise<ContextEntry | undefined> {
    const completed = this.statements.completeObjective.get(args) as Row | undefined;
    if (completed) return toContextEntry(completed);
    // Nothing was open under this id: say whether it is unknown or why it cannot be completed.
    const row = this.statements.selectContextEntry.get(args.id) as Row | undefined;
    if (!row) return undefined;
    const entry = toContextEntry(row);
    if (entry.kind === 'insight') throw new ConflictError(`"${entry.id}" is an insight; only objectives are completed`);
    throw new ConflictError(`objective "${entry.id}" is already complete (since ${entry.completedAt}: ${entry.outcome})`);
  }

  async listContextEntries(query: { kind?: ContextEntry['kind'] } = {}): Promise<ContextEntry[]> {
    return (this.statements.listContextEntries.all({ kind: query.kind ?? null }) as Row[]).map(toContextEntry);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
