import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  BatonError,
  ConflictError,
  ErrorCode,
  type ApiToken,
  type LeaseVerdict,
  type LedgerEvent,
  type LimitLoad,
  type PlanningRecord,
} from '../../core/index.js';
import { assertSchemaKnown, loadMigrations } from '../migrations.js';
import {
  EMPTY_HEAD,
  needsWorkspaceEntries,
  keyEntryFor,
  planningEntryFor,
  SIGNING_KEYS_ID,
  storedFormOf,
  workspaceEntriesFor,
  type ChainHead,
  type KeyEntry,
  type KeyRecord,
  type PlanningEntry,
  type WorkspaceEntry,
} from '../../ledger/index.js';
import { contextWritesOf } from '../context-writes.js';
import { toApiToken, toContextEntry, toEvent, toRun, toWork, toWorkspaceEntry, type Row } from '../rows.js';
import {
  CONTEXT_ID_PREFIX,
  LockLostError,
  type AppendBatch,
  type ContextEntry,
  type ListRunsQuery,
  type PayloadReading,
  type PositionedEvent,
  type RunLock,
  type RunRecord,
  type Store,
  type StoreNotice,
  type WorkItem,
  type WorkKey,
  type WorkReport,
} from '../port.js';
import * as sql from './queries.js';
import { likeContaining, objectiveOf } from '../run-search.js';
import { resolveStoredPayloads } from '../port.js';
import { explainWriteFailure } from './write-failure.js';
import { SqliteProviderLeases } from './provider-leases.js';

export interface SqliteStoreOptions {
  /**
   * `normal` (default) survives a crash of the process at any point: WAL commits are atomic.
   * `full` also survives power loss, at the price of an fsync per commit.
   */
  synchronous?: 'normal' | 'full';
}

function migrate(db: Database.Database): void {
  const migrations = loadMigrations('sqlite');
  db.exec(
    'CREATE TABLE IF NOT EXISTS baton_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  db.transaction(() => {
    const current = (db.prepare('SELECT MAX(version) AS v FROM baton_migrations').get() as { v: number | null }).v ?? 0;
    assertSchemaKnown(current, migrations);
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.prepare('INSERT INTO baton_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
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
  /** The runs list's statements, one per shape of query (see listRunsSql), prepared on first use. */
  private readonly listRunsStatements = new Map<string, Database.Statement>();
  /** The events' INSERT for each number of rows, at most EVENT_ROWS_PER_INSERT, prepared on first use. */
  private readonly insertEventsStatements: (Database.Statement | undefined)[] = [];
  private readonly appendTransaction: (batch: AppendBatch) => void;
  private readonly providerLeases: SqliteProviderLeases;
  /**
   * Notices reach subscribers in this process only; other processes on the same file find
   * changes by polling, which every subscriber does anyway.
   */
  private readonly subscribers = new Set<(notice: StoreNotice) => void>();

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
      updateRunHeadAndStatus: prepare(sql.UPDATE_RUN_HEAD_AND_STATUS),
      insertPayload: prepare(sql.INSERT_PAYLOAD),
      selectPayloads: prepare(sql.SELECT_PAYLOADS),
      selectEvents: prepare(sql.SELECT_EVENTS),
      insertWork: prepare(sql.INSERT_WORK),
      deleteWork: prepare(sql.DELETE_WORK),
      selectWork: prepare(sql.SELECT_WORK),
      claimWork: prepare(sql.CLAIM_WORK),
      renewLeases: prepare(sql.RENEW_LEASES),
      abandonWork: prepare(sql.ABANDON_WORK),
      purgeWork: prepare(sql.PURGE_WORK),
      reportWork: prepare(sql.REPORT_WORK),
      releaseWork: prepare(sql.RELEASE_WORK),
      selectReportedWork: prepare(sql.SELECT_REPORTED_WORK),
      listUnconductedRuns: prepare(sql.LIST_UNCONDUCTED_RUNS),
      selectRun: prepare(sql.SELECT_RUN),
      acquireLock: prepare(sql.ACQUIRE_LOCK),
      selectLock: prepare(sql.SELECT_LOCK),
      releaseLock: prepare(sql.RELEASE_LOCK),
      insertContextEntry: prepare(sql.INSERT_CONTEXT_ENTRY),
      completeObjective: prepare(sql.COMPLETE_OBJECTIVE),
      selectContextEntry: prepare(sql.SELECT_CONTEXT_ENTRY),
      listContextEntries: prepare(sql.LIST_CONTEXT_ENTRIES),
      selectEventsAfterPosition: prepare(sql.SELECT_EVENTS_AFTER_POSITION),
      selectLastPosition: prepare(sql.SELECT_LAST_POSITION),
      insertApiToken: prepare(sql.INSERT_API_TOKEN),
      selectApiTokenByHash: prepare(sql.SELECT_API_TOKEN_BY_HASH),
      listApiTokens: prepare(sql.LIST_API_TOKENS),
      revokeApiToken: prepare(sql.REVOKE_API_TOKEN),
      selectApiToken: prepare(sql.SELECT_API_TOKEN),
      selectWorkspaceHead: prepare(sql.SELECT_WORKSPACE_HEAD),
      insertWorkspaceEntry: prepare(sql.INSERT_WORKSPACE_ENTRY),
      selectWorkspaceLedger: prepare(sql.SELECT_WORKSPACE_LEDGER),
      selectWorkspaceLedgerSince: prepare(sql.SELECT_WORKSPACE_LEDGER_SINCE),
    };
    this.appendTransaction = this.db.transaction((batch: AppendBatch) => this.appendNow(batch)).immediate;
    this.providerLeases = new SqliteProviderLeases(this.db);
  }

  private appendNow(batch: AppendBatch): void {
    const { runId, events, expectedSeq } = batch;
    const last = events.at(-1);
    if (!last) return;
    const s = this.statements;
    if (expectedSeq === 0) {
      if (!batch.create) throw new Error('store: the first batch of a run must say `create`');
      if (s.selectHead.get(runId)) throw new ConflictError(`run "${runId}" already exists`);
      const { name, planHash, lock } = batch.create;
      s.insertRun.run({
        runId,
        name,
        planHash,
        status: batch.status,
        at: last.at,
        headSeq: last.seq,
        headHash: last.hash,
        lockOwner: lock?.id ?? null,
        lockHost: lock?.host ?? null,
        lockPid: lock?.pid ?? null,
        lockExpiresAt: lock?.expiresAt ?? null,
        objective: objectiveOf(events),
      });
    } else {
      const head = {
        runId,
        expectedSeq,
        headSeq: last.seq,
        headHash: last.hash,
        status: batch.status,
        at: last.at,
        conductor: batch.conductor ?? null,
      };
      // The status-free statement first (see UPDATE_RUN_HEAD); no match means a new status or a lost fence.
      const updated = s.updateRunHead.run(head).changes === 1 ? 1 : s.updateRunHeadAndStatus.run(head).changes;
      if (updated !== 1) {
        const holder = (s.selectLock.get(runId) as Row | undefined)?.lock_owner;
        if (batch.conductor !== undefined && holder !== batch.conductor) {
          throw new LockLostError(
            `run "${runId}" is now conducted by ${holder == null ? 'no engine' : String(holder)}; this engine lost its lock and stops deciding for it`,
          );
        }
        throw new ConflictError(`run "${runId}" moved past seq ${expectedSeq}; another process appended to it`);
      }
    }
    this.insertEvents(runId, events);
    if (needsWorkspaceEntries(events)) this.chainWorkspaceEntries((head) => workspaceEntriesFor(head, events));
    for (const write of contextWritesOf(events)) {
      if (write.kind === 'insight')
        s.insertContextEntry.get({
          prefix: CONTEXT_ID_PREFIX.insight,
          kind: 'insight',
          text: write.text,
          runId: write.runId,
          status: 'recorded',
          at: write.at,
        });
      else s.completeObjective.get({ id: write.id, outcome: write.outcome, at: write.at });
    }
    for (const item of batch.enqueue ?? []) {
      s.insertWork.run(
        runId,
        item.attemptId,
        item.step,
        item.capability,
        item.idempotencyKey,
        JSON.stringify(item.input),
        item.timeoutMs,
        item.enqueuedSeq,
        item.claimedBy,
        item.leaseUntil,
        item.kind,
        item.skill,
        item.revision,
      );
    }
    for (const attemptId of batch.dequeue ?? []) s.deleteWork.run(runId, attemptId);
    for (const attemptId of batch.abandon ?? []) s.abandonWork.run(runId, attemptId);
    if (batch.status !== 'running') s.purgeWork.run(runId);
  }

  /** Writes events at the positions after the last one, EVENT_ROWS_PER_INSERT to a statement (see there). */
  private insertEvents(runId: string, events: readonly LedgerEvent[]): void {
    const s = this.statements;
    let position = (s.selectLastPosition.get() as { last: number }).last;
    for (let start = 0; start < events.length; start += sql.EVENT_ROWS_PER_INSERT) {
      const end = Math.min(start + sql.EVENT_ROWS_PER_INSERT, events.length);
      // Sized once: pushed one by one, a statement's parameters were 2% of a fan-out run's allocation.
      const params = new Array<unknown>((end - start) * 8);
      let at = 0;
      for (let index = start; index < end; index += 1) {
        const event = events[index] as LedgerEvent;
        const stored = storedFormOf(event);
        position += 1;
        params[at++] = runId;
        params[at++] = event.seq;
        params[at++] = event.type;
        params[at++] = event.at;
        params[at++] = JSON.stringify(stored.data);
        params[at++] = event.prevHash;
        params[at++] = event.hash;
        params[at++] = position;
        for (const payload of stored.payloads) s.insertPayload.run(payload.hash, payload.body);
      }
      this.insertEventsStatement(end - start).run(params);
    }
  }

  private insertEventsStatement(rows: number): Database.Statement {
    let statement = this.insertEventsStatements[rows];
    if (!statement) {
      statement = this.db.prepare(sql.insertEventsSql(rows));
      this.insertEventsStatements[rows] = statement;
    }
    return statement;
  }

  async append(batch: AppendBatch): Promise<void> {
    if (batch.events.length === 0) return;
    try {
      this.appendTransaction(batch);
    } catch (error) {
      throw explainWriteFailure(error, this.file, batch.runId);
    }
    this.notify({ topic: 'ledger', runId: batch.runId });
    if (batch.enqueue?.some((item) => item.claimedBy === null)) this.notify({ topic: 'work', runId: batch.runId });
  }

  private notify(notice: StoreNotice): void {
    for (const listener of this.subscribers) {
      try {
        listener(notice);
      } catch {
        // A subscriber that throws does not stop the others.
      }
    }
  }

  async readEvents(
    runId: string,
    afterSeq = 0,
    limit = Number.MAX_SAFE_INTEGER,
    options: { payloads?: PayloadReading } = {},
  ): Promise<LedgerEvent[]> {
    const events = (this.statements.selectEvents.all(runId, afterSeq, limit) as Row[]).map(toEvent);
    return options.payloads === 'reference' ? events : this.resolved(events);
  }

  async readPayloads(hashes: readonly string[]): Promise<Map<string, string>> {
    if (hashes.length === 0) return new Map();
    const rows = this.statements.selectPayloads.all(JSON.stringify(hashes)) as Row[];
    return new Map(rows.map((row) => [row.hash as string, row.body as string]));
  }

  private resolved(events: LedgerEvent[]): Promise<LedgerEvent[]> {
    return resolveStoredPayloads(events, (hashes) => this.readPayloads(hashes));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.statements.selectRun.get(runId) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    const { status, before, search } = query;
    const text = sql.listRunsSql({
      status: status !== undefined,
      before: before !== undefined,
      search: search !== undefined,
    });
    let statement = this.listRunsStatements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.listRunsStatements.set(text, statement);
    }
    const params = {
      limit: query.limit ?? 50,
      ...(status !== undefined && { status }),
      ...(before && { beforeCreatedAt: before.createdAt, beforeRunId: before.runId }),
      ...(search !== undefined && { pattern: likeContaining(search) }),
    };
    return (statement.all(params) as Row[]).map(toRun);
  }

  async listWork(runId: string): Promise<WorkItem[]> {
    return (this.statements.selectWork.all(runId) as Row[]).map(toWork);
  }

  async claimWork(args: Parameters<Store['claimWork']>[0]): Promise<WorkItem[]> {
    const rows = this.statements.claimWork.all({
      workerId: args.workerId,
      runId: args.runId ?? null,
      limit: args.limit,
      leaseUntil: args.leaseUntil,
      functions: args.functions ? JSON.stringify(args.functions) : null,
      skills: args.skills ? JSON.stringify(args.skills) : null,
    }) as Row[];
    return rows.map(toWork).sort((a, b) => a.enqueuedSeq - b.enqueuedSeq);
  }

  async renewLeases(workerId: string, leaseUntil: number): Promise<WorkKey[]> {
    return (this.statements.renewLeases.all(leaseUntil, workerId) as Row[]).map((row) => ({
      runId: row.run_id as string,
      attemptId: row.attempt_id as string,
    }));
  }

  async reportWork(workerId: string, reports: readonly WorkReport[]): Promise<WorkKey[]> {
    const stored = this.db.transaction(() =>
      reports.filter(
        (report) =>
          this.statements.reportWork.run({
            workerId,
            runId: report.runId,
            attemptId: report.attemptId,
            outcome: JSON.stringify(report.outcome),
          }).changes === 1,
      ),
    )();
    for (const runId of new Set(stored.map((report) => report.runId))) this.notify({ topic: 'outcomes', runId });
    return stored.map(({ runId, attemptId }) => ({ runId, attemptId }));
  }

  async releaseWork(workerId: string, items: readonly WorkKey[]): Promise<void> {
    const released = this.db.transaction(() =>
      items.filter((item) => this.statements.releaseWork.run(item.runId, item.attemptId, workerId).changes === 1),
    )();
    for (const runId of new Set(released.map((item) => item.runId))) this.notify({ topic: 'work', runId });
  }

  async reportedWork(runId: string): Promise<WorkItem[]> {
    return (this.statements.selectReportedWork.all(runId) as Row[]).map(toWork);
  }

  async listUnconductedRuns(now: number, limit: number): Promise<string[]> {
    return (this.statements.listUnconductedRuns.all(now, limit) as Row[]).map((row) => row.run_id as string);
  }

  async subscribe(listener: (notice: StoreNotice) => void): Promise<() => Promise<void>> {
    this.subscribers.add(listener);
    return async () => {
      this.subscribers.delete(listener);
    };
  }

  async acquireRunLock(args: {
    runId: string;
    owner: { id: string; host: string; pid: number };
    expiresAt: number;
    now: number;
    replacing?: string;
  }) {
    const { runId, owner, expiresAt, now } = args;
    const result = this.statements.acquireLock.run({
      runId,
      ...owner,
      expiresAt,
      now,
      replacing: args.replacing ?? null,
    });
    if (result.changes === 1) return { acquired: true } as const;
    const row = this.statements.selectLock.get(runId) as Row | undefined;
    if (!row) throw new ConflictError(`run "${runId}" does not exist`);
    const holder: RunLock = {
      id: row.lock_owner as string,
      host: row.lock_host as string,
      pid: row.lock_pid as number,
      expiresAt: row.lock_expires_at as number,
    };
    return { acquired: false, holder } as const;
  }

  async releaseRunLock(runId: string, ownerId: string): Promise<void> {
    this.statements.releaseLock.run(runId, ownerId);
  }

  async addContextEntry(entry: {
    kind: ContextEntry['kind'];
    text: string;
    runId?: string;
    at: string;
  }): Promise<ContextEntry> {
    const { kind, text, at } = entry;
    const status = kind === 'insight' ? 'recorded' : 'open';
    const row = this.statements.insertContextEntry.get({
      prefix: CONTEXT_ID_PREFIX[kind],
      kind,
      text,
      runId: entry.runId ?? null,
      status,
      at,
    }) as Row;
    return toContextEntry(row);
  }

  async completeContextEntry(args: { id: string; outcome: string; at: string }): Promise<ContextEntry | undefined> {
    const completed = this.statements.completeObjective.get(args) as Row | undefined;
    if (completed) return toContextEntry(completed);
    // Nothing was open under this id: say whether it is unknown or why it cannot be completed.
    const row = this.statements.selectContextEntry.get(args.id) as Row | undefined;
    if (!row) return undefined;
    const entry = toContextEntry(row);
    if (entry.kind === 'insight')
      throw new ConflictError(`"${entry.id}" is an insight; only objectives and tasks are completed`);
    throw new ConflictError(
      `${entry.kind} "${entry.id}" is already complete (since ${entry.completedAt}: ${entry.outcome})`,
    );
  }

  async listContextEntries(query: { kind?: ContextEntry['kind'] } = {}): Promise<ContextEntry[]> {
    return (this.statements.listContextEntries.all({ kind: query.kind ?? null }) as Row[]).map(toContextEntry);
  }

  async readEventsAfter(position: string | undefined, limit: number): Promise<PositionedEvent[]> {
    const after = parsePosition(position);
    const rows = this.statements.selectEventsAfterPosition.all(after, limit) as Row[];
    // Only an empty page can mean a position past the newest event; positions never go back, so a client could not have been given it.
    if (rows.length === 0 && after > 0) {
      const { last } = this.statements.selectLastPosition.get() as { last: number };
      if (after > last)
        throw new BatonError(
          ErrorCode.badInput,
          `${position as string} is not a position in this workspace's event stream: it is past the newest event (${last}); resume with an id this stream sent, or without one to start from the first event`,
        );
    }
    const events = await this.resolved(rows.map(toEvent));
    return rows.map((row, i) => ({ position: String(row.position), event: events[i] as LedgerEvent }));
  }

  async createApiToken(token: ApiToken & { secretHash: string }): Promise<ApiToken> {
    const row = this.statements.insertApiToken.get({
      id: token.id,
      name: token.name,
      secretHash: token.secretHash,
      scopes: token.scopes.join(','),
      role: token.role ?? null,
      createdAt: token.createdAt,
    }) as Row | undefined;
    if (!row)
      throw new ConflictError(
        `a token named "${token.name}" exists already (revoked tokens keep their names); choose another name`,
      );
    return toApiToken(row);
  }

  async findApiToken(secretHash: string): Promise<ApiToken | undefined> {
    const row = this.statements.selectApiTokenByHash.get(secretHash) as Row | undefined;
    return row ? toApiToken(row) : undefined;
  }

  async listApiTokens(query: { active?: boolean } = {}): Promise<ApiToken[]> {
    return (this.statements.listApiTokens.all({ active: query.active ? 1 : 0 }) as Row[]).map(toApiToken);
  }

  async revokeApiToken(args: { idOrName: string; at: string }): Promise<ApiToken | undefined> {
    const revoked = this.statements.revokeApiToken.get(args) as Row | undefined;
    if (revoked) return toApiToken(revoked);
    const row = this.statements.selectApiToken.get(args.idOrName, args.idOrName) as Row | undefined;
    if (!row) return undefined;
    throw new ConflictError(`token "${row.name as string}" was revoked already (at ${row.revoked_at as string})`);
  }

  async readWorkspaceLedger(
    query: { afterSeq?: number; limit?: number; runId?: string } = {},
  ): Promise<WorkspaceEntry[]> {
    const rows = this.statements.selectWorkspaceLedger.all({
      afterSeq: query.afterSeq ?? 0,
      limit: query.limit ?? Number.MAX_SAFE_INTEGER,
      runId: query.runId ?? null,
    }) as Row[];
    return rows.map(toWorkspaceEntry);
  }

  async appendPlanningRecord(record: PlanningRecord, at: string): Promise<PlanningEntry> {
    return this.db
      .transaction(() => this.chainWorkspaceEntries((head) => [planningEntryFor(head, record, at)])[0] as PlanningEntry)
      .immediate();
  }

  async appendKeyRecord(record: KeyRecord, at: string): Promise<KeyEntry> {
    return this.db
      .transaction(() => {
        const known = (
          this.statements.selectWorkspaceLedger.all({
            afterSeq: 0,
            limit: Number.MAX_SAFE_INTEGER,
            runId: SIGNING_KEYS_ID,
          }) as Row[]
        ).map(toWorkspaceEntry);
        return this.chainWorkspaceEntries((head) => [keyEntryFor(head, known, record, at)])[0] as KeyEntry;
      })
      .immediate();
  }

  /**
   * Chains the entries `build` makes from the workspace ledger's head onto it. Called inside a
   * write transaction: SQLite has one writer, so the head read here is the one chained onto.
   */
  private chainWorkspaceEntries<E extends WorkspaceEntry>(build: (head: ChainHead) => E[]): E[] {
    const s = this.statements;
    const head = s.selectWorkspaceHead.get() as Row | undefined;
    const entries = build(head ? { seq: Number(head.seq), hash: head.hash as string } : EMPTY_HEAD);
    for (const entry of entries)
      s.insertWorkspaceEntry.run(
        entry.seq,
        entry.type,
        entry.runId,
        entry.at,
        JSON.stringify(entry.data),
        entry.prevHash,
        entry.hash,
      );
    return entries;
  }

  async workspaceLedgerSince(): Promise<string | null> {
    return (
      ((this.statements.selectWorkspaceLedgerSince.get() as Row | undefined)?.applied_at as string | undefined) ?? null
    );
  }

  acquireProviderLease(args: Parameters<Store['acquireProviderLease']>[0]): Promise<LeaseVerdict> {
    return this.providerLeases.acquireProviderLease(args);
  }

  renewProviderLease(id: string, expiresAt: number): Promise<boolean> {
    return this.providerLeases.renewProviderLease(id, expiresAt);
  }

  releaseProviderLease(args: { id: string; tokens: number; now: number }): Promise<void> {
    return this.providerLeases.releaseProviderLease(args);
  }

  providerLoads(now: number, windowMs: number): Promise<Record<string, LimitLoad>> {
    return this.providerLeases.providerLoads(now, windowMs);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** This adapter's positions are the decimal numbers it hands out; anything else was not given by it. */
function parsePosition(position: string | undefined): number {
  if (position === undefined) return 0;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(position)) {
    throw new BatonError(
      ErrorCode.badInput,
      `${JSON.stringify(position.slice(0, 100))} is not a position in this workspace's event stream (its positions are whole numbers, such as 42)`,
    );
  }
  return Number(position);
}
