import { Client, DatabaseError, Pool, type PoolClient } from 'pg';
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
import {
  CONTEXT_ID_PREFIX,
  LockLostError,
  type AppendBatch,
  type ContextEntry,
  type ListRunsQuery,
  type PayloadReading,
  type PositionedEvent,
  type RunOwner,
  type RunRecord,
  type Store,
  type StoreNotice,
  type WorkItem,
  type WorkKey,
  type WorkReport,
  resolveStoredPayloads,
} from '../port.js';
import { NOTICE_PAYLOAD_BYTES, NoticeListener } from './notice-listener.js';
import { migrate } from './migrate.js';
import * as sql from './queries.js';
import { likeContaining, objectiveOf } from '../run-search.js';
import { toApiToken, toContextEntry, toEvent, toLock, toRun, toWork, toWorkspaceEntry, type Row } from '../rows.js';
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
import { changesContext, contextWritesOf, type ContextWrite } from '../context-writes.js';
import { prepared } from './prepared.js';
import { withTransaction } from './transaction.js';
import { PostgresProviderLeases } from './provider-leases.js';

export interface PostgresStoreOptions {
  /**
   * Keep Baton's tables in this schema (created when missing) instead of the connection's
   * default, so that several workspaces, or tests, share one database without meeting.
   * Lowercase letters, digits and underscores.
   */
  schema?: string;
  /** Connections in the pool (default 10). */
  maxConnections?: number;
}

/** Kept to a plain identifier so it can be written into SQL and the connection's options unquoted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The kind's id prefix: entries are numbered per kind, `obj-1`, `ins-1`, as in the SQLite adapter. */

/** The second guard of the chain: a unique violation here means another process wrote the seq first. */
const EVENT_KEY = 'events_pkey';

/**
 * The shared store: many engine and worker processes on one PostgreSQL database through a
 * node-postgres pool. Every append is one transaction fenced on the run's head; work is
 * claimed with FOR UPDATE SKIP LOCKED. Behaves as the SQLite adapter does, held to it by the
 * same conformance suite.
 * @example
 * const store = await PostgresStore.connect('postgres://baton@localhost/baton', { schema: 'baton' });
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres';

  private readonly notices: NoticeListener;
  private readonly providerLeases: PostgresProviderLeases;

  private constructor(
    private readonly pool: Pool,
    connection: { url: string; channel: string },
  ) {
    this.notices = new NoticeListener(() => new Client({ connectionString: connection.url }), connection.channel);
    this.providerLeases = new PostgresProviderLeases(pool);
  }

  /** Opens a pool and migrates the schema; refuses a schema migrated by a newer Baton. */
  static async connect(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const { schema } = options;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new BatonError(
        ErrorCode.badInput,
        `schema name "${schema}" is not valid: use lowercase letters, digits and underscores, starting with a letter or underscore`,
      );
    }
    const pool = new Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      ...(schema !== undefined && { options: `-c search_path=${schema}` }),
    });
    // An idle connection that the server drops (a restart, a timeout) is removed from the pool
    // and reported here; the next query opens a new one, and errors of queries reach their caller.
    pool.on('error', () => undefined);
    let channel: string;
    try {
      await migrate(pool, schema);
      // The statements notify on `baton.<current_schema()>`; listen where they will speak.
      const { rows } = await pool.query<{ schema: string }>('SELECT current_schema() AS schema');
      channel = `baton.${rows[0]?.schema ?? 'public'}`;
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStore(pool, { url, channel });
  }

  async append(batch: AppendBatch): Promise<void> {
    if (!batch.events.length) return;
    try {
      // A round that stores large payloads needs their insert in the same transaction as its events.
      const stored = batch.events.map(storedFormOf);
      if (isRunningRound(batch) && stored.every((form) => form.payloads.length === 0))
        await appendRunningRound(this.pool, batch, stored);
      else await withTransaction(this.pool, (client) => appendNow(client, batch));
    } catch (error) {
      if (error instanceof DatabaseError && error.code === '23505' && error.constraint === EVENT_KEY) {
        throw new ConflictError(
          `run "${batch.runId}" moved past seq ${batch.expectedSeq}; another process appended to it`,
        );
      }
      throw error;
    }
  }

  async readEvents(
    runId: string,
    afterSeq = 0,
    limit = Number.MAX_SAFE_INTEGER,
    options: { payloads?: PayloadReading } = {},
  ): Promise<LedgerEvent[]> {
    const events = (await this.rows(sql.SELECT_EVENTS, [runId, afterSeq, limit])).map(toEvent);
    return options.payloads === 'reference' ? events : this.resolved(events);
  }

  async readPayloads(hashes: readonly string[]): Promise<Map<string, string>> {
    if (hashes.length === 0) return new Map();
    const rows = await this.rows(sql.SELECT_PAYLOADS, [hashes]);
    return new Map(rows.map((row) => [row.hash as string, row.body as string]));
  }

  private resolved(events: LedgerEvent[]): Promise<LedgerEvent[]> {
    return resolveStoredPayloads(events, (hashes) => this.readPayloads(hashes));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const [row] = await this.rows(sql.SELECT_RUN, [runId]);
    return row ? toRun(row) : undefined;
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    const { status, before, search } = query;
    const text = sql.listRunsSql({
      status: status !== undefined,
      before: before !== undefined,
      search: search !== undefined,
    });
    const values = [
      query.limit ?? 50,
      ...(status !== undefined ? [status] : []),
      ...(before ? [before.createdAt, before.runId] : []),
      ...(search !== undefined ? [likeContaining(search)] : []),
    ];
    return (await this.rows(text, values)).map(toRun);
  }

  async listWork(runId: string): Promise<WorkItem[]> {
    return (await this.rows(sql.SELECT_WORK, [runId])).map(toWork);
  }

  async claimWork(args: Parameters<Store['claimWork']>[0]): Promise<WorkItem[]> {
    const rows = await this.rows(sql.CLAIM_WORK, [
      args.workerId,
      args.leaseUntil,
      args.runId ?? null,
      args.limit,
      args.functions ?? null,
      args.skills ?? null,
    ]);
    return rows.map(toWork).sort((a, b) => a.enqueuedSeq - b.enqueuedSeq);
  }

  async renewLeases(workerId: string, leaseUntil: number): Promise<WorkKey[]> {
    return (await this.rows(sql.RENEW_LEASES, [workerId, leaseUntil])).map(toWorkKey);
  }

  async reportWork(workerId: string, reports: readonly WorkReport[], free?: number): Promise<WorkKey[]> {
    if (reports.length === 0) return [];
    const rows = await this.rows(sql.REPORT_WORK, [
      workerId,
      JSON.stringify(
        reports.map((r) => ({ run_id: r.runId, attempt_id: r.attemptId, outcome: JSON.stringify(r.outcome) })),
      ),
      NOTICE_PAYLOAD_BYTES,
      free ?? 0,
    ]);
    return rows.map(toWorkKey);
  }

  async releaseWork(workerId: string, items: readonly WorkKey[]): Promise<void> {
    if (items.length === 0) return;
    await this.pool.query(
      prepared(sql.RELEASE_WORK, [workerId, items.map((i) => i.runId), items.map((i) => i.attemptId)]),
    );
  }

  async reportedWork(runId: string): Promise<WorkItem[]> {
    return (await this.rows(sql.SELECT_REPORTED_WORK, [runId])).map(toWork);
  }

  async listUnconductedRuns(now: number, limit: number): Promise<string[]> {
    return (await this.rows(sql.LIST_UNCONDUCTED_RUNS, [now, limit])).map((row) => row.run_id as string);
  }

  subscribe(listener: (notice: StoreNotice) => void): Promise<() => Promise<void>> {
    return this.notices.add(listener);
  }

  async acquireRunLock(args: { runId: string; owner: RunOwner; expiresAt: number; now: number; replacing?: string }) {
    const { runId, owner, expiresAt, now } = args;
    const result = await this.pool.query(
      prepared(sql.ACQUIRE_LOCK, [runId, owner.id, owner.host, owner.pid, expiresAt, now, args.replacing ?? null]),
    );
    if (result.rowCount === 1) return { acquired: true } as const;
    const [row] = await this.rows(sql.SELECT_LOCK, [runId]);
    if (!row) throw new ConflictError(`run "${runId}" does not exist`);
    return { acquired: false, holder: toLock(row) } as const;
  }

  async releaseRunLock(runId: string, ownerId: string): Promise<void> {
    await this.pool.query(prepared(sql.RELEASE_LOCK, [runId, ownerId]));
  }

  async addContextEntry(entry: {
    kind: ContextEntry['kind'];
    text: string;
    runId?: string;
    at: string;
  }): Promise<ContextEntry> {
    const { kind, text, at } = entry;
    const status = kind === 'insight' ? 'recorded' : 'open';
    return withTransaction(this.pool, async (client) => {
      await client.query(sql.LOCK_CONTEXT_ENTRIES);
      const { rows } = await client.query<Row>(
        prepared(sql.INSERT_CONTEXT_ENTRY, [CONTEXT_ID_PREFIX[kind], kind, text, entry.runId ?? null, status, at]),
      );
      return toContextEntry(rows[0] as Row);
    });
  }

  async completeContextEntry(args: { id: string; outcome: string; at: string }): Promise<ContextEntry | undefined> {
    const [completed] = await this.rows(sql.COMPLETE_OBJECTIVE, [args.id, args.outcome, args.at]);
    if (completed) return toContextEntry(completed);
    // Nothing was open under this id: say whether it is unknown or why it cannot be completed.
    const [row] = await this.rows(sql.SELECT_CONTEXT_ENTRY, [args.id]);
    if (!row) return undefined;
    const entry = toContextEntry(row);
    if (entry.kind === 'insight')
      throw new ConflictError(`"${entry.id}" is an insight; only objectives and tasks are completed`);
    throw new ConflictError(
      `${entry.kind} "${entry.id}" is already complete (since ${entry.completedAt}: ${entry.outcome})`,
    );
  }

  async listContextEntries(query: { kind?: ContextEntry['kind'] } = {}): Promise<ContextEntry[]> {
    return (await this.rows(sql.LIST_CONTEXT_ENTRIES, [query.kind ?? null])).map(toContextEntry);
  }

  async readEventsAfter(position: string | undefined, limit: number): Promise<PositionedEvent[]> {
    const [txId, seq] = parsePosition(position);
    const rows = await this.rows(sql.SELECT_EVENTS_AFTER_POSITION, [txId, seq, limit]);
    if (rows.length === 0 && position !== undefined && position !== '0:0') {
      const [row] = await this.rows(sql.SELECT_EVENT_AT_OR_AFTER, [txId, seq]);
      if (row?.known !== true)
        throw new BatonError(
          ErrorCode.badInput,
          `${position} is not a position in this workspace's event stream: it is past the newest event; resume with an id this stream sent, or without one to start from the first event`,
        );
    }
    const events = await this.resolved(rows.map(toEvent));
    return rows.map((row, i) => ({
      position: `${row.tx_text as string}:${String(row.position)}`,
      event: events[i] as LedgerEvent,
    }));
  }

  async createApiToken(token: ApiToken & { secretHash: string }): Promise<ApiToken> {
    const [row] = await this.rows(sql.INSERT_API_TOKEN, [
      token.id,
      token.name,
      token.secretHash,
      token.scopes.join(','),
      token.createdAt,
      token.role ?? null,
    ]);
    if (!row)
      throw new ConflictError(
        `a token named "${token.name}" exists already (revoked tokens keep their names); choose another name`,
      );
    return toApiToken(row);
  }

  async findApiToken(secretHash: string): Promise<ApiToken | undefined> {
    const [row] = await this.rows(sql.SELECT_API_TOKEN_BY_HASH, [secretHash]);
    return row ? toApiToken(row) : undefined;
  }

  async listApiTokens(query: { active?: boolean } = {}): Promise<ApiToken[]> {
    return (await this.rows(sql.LIST_API_TOKENS, [query.active === true])).map(toApiToken);
  }

  async revokeApiToken(args: { idOrName: string; at: string }): Promise<ApiToken | undefined> {
    const [revoked] = await this.rows(sql.REVOKE_API_TOKEN, [args.idOrName, args.at]);
    if (revoked) return toApiToken(revoked);
    const [row] = await this.rows(sql.SELECT_API_TOKEN, [args.idOrName]);
    if (!row) return undefined;
    throw new ConflictError(`token "${row.name as string}" was revoked already (at ${row.revoked_at as string})`);
  }

  async readWorkspaceLedger(
    query: { afterSeq?: number; limit?: number; runId?: string } = {},
  ): Promise<WorkspaceEntry[]> {
    return (
      await this.rows(sql.SELECT_WORKSPACE_LEDGER, [
        query.afterSeq ?? 0,
        query.runId ?? null,
        query.limit ?? Number.MAX_SAFE_INTEGER,
      ])
    ).map(toWorkspaceEntry);
  }

  async appendPlanningRecord(record: PlanningRecord, at: string): Promise<PlanningEntry> {
    // No run lock is held here: the workspace ledger's own lock orders it with every other appender.
    return withTransaction(this.pool, async (client) => {
      const [entry] = await appendWorkspaceEntries(client, (head) => [planningEntryFor(head, record, at)]);
      return entry as PlanningEntry;
    });
  }

  async appendKeyRecord(record: KeyRecord, at: string): Promise<KeyEntry> {
    return withTransaction(this.pool, async (client) => {
      // Under the workspace ledger's lock (taken again by appendWorkspaceEntries, which is harmless): the keys read here are all there are.
      await client.query(sql.LOCK_WORKSPACE_LEDGER);
      const { rows } = await client.query<Row>(
        prepared(sql.SELECT_WORKSPACE_LEDGER, [0, SIGNING_KEYS_ID, Number.MAX_SAFE_INTEGER]),
      );
      const known = rows.map(toWorkspaceEntry);
      const [entry] = await appendWorkspaceEntries(client, (head) => [keyEntryFor(head, known, record, at)]);
      return entry as KeyEntry;
    });
  }

  async workspaceLedgerSince(): Promise<string | null> {
    const [row] = await this.rows(sql.SELECT_WORKSPACE_LEDGER_SINCE, []);
    return (row?.applied_at as string | undefined) ?? null;
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
    await this.notices.close();
    if (!this.pool.ended) await this.pool.end();
  }

  private async rows(text: string, values: unknown[]): Promise<Row[]> {
    return (await this.pool.query<Row>(prepared(text, values))).rows;
  }
}

/** One decision round's writes, inside the caller's transaction; mirrors SqliteStore.appendNow. */
/** A round of a run that goes on running, with nothing but events, new items and recorded items: one statement. */
function isRunningRound(batch: AppendBatch): boolean {
  return (
    batch.expectedSeq > 0 &&
    batch.status === 'running' &&
    !batch.create &&
    !batch.abandon?.length &&
    !needsWorkspaceEntries(batch.events) &&
    !changesContext(batch.events)
  );
}

/** A batch's events as the JSON array of rows that eventRows in queries.ts reads (why JSON: see there). */
function eventRows(events: readonly LedgerEvent[], stored: readonly ReturnType<typeof storedFormOf>[]): string {
  return JSON.stringify(
    events.map((event, index) => ({
      seq: event.seq,
      type: event.type,
      at: event.at,
      data: JSON.stringify(stored[index]?.data),
      prev_hash: event.prevHash,
      hash: event.hash,
    })),
  );
}

/** The work items to enqueue as the JSON array of rows that workRows in queries.ts reads. */
function workRows(enqueue: NonNullable<AppendBatch['enqueue']>): string {
  return JSON.stringify(
    enqueue.map((w) => ({
      attempt_id: w.attemptId,
      step: w.step,
      capability: w.capability,
      idempotency_key: w.idempotencyKey,
      input: JSON.stringify(w.input),
      timeout_ms: w.timeoutMs,
      enqueued_seq: w.enqueuedSeq,
      claimed_by: w.claimedBy,
      lease_until: w.leaseUntil,
      kind: w.kind,
      skill: w.skill,
      revision: w.revision,
    })),
  );
}

/**
 * APPEND_RUNNING_ROUND: the whole append in one round trip; the same errors as appendNow. Only
 * for a round whose events store no payload apart (their `stored` forms carry none).
 */
async function appendRunningRound(
  pool: Pool,
  batch: AppendBatch,
  stored: readonly ReturnType<typeof storedFormOf>[],
): Promise<void> {
  const { runId, events, expectedSeq } = batch;
  const last = events.at(-1) as LedgerEvent;
  const enqueue = batch.enqueue ?? [];
  const { rows } = await pool.query<{ moved: number }>(
    prepared(sql.APPEND_RUNNING_ROUND, [
      runId,
      last.seq,
      last.hash,
      batch.status,
      last.at,
      expectedSeq,
      batch.conductor ?? null,
      eventRows(events, stored),
      workRows(enqueue),
      batch.dequeue ?? [],
      NOTICE_PAYLOAD_BYTES,
    ]),
  );
  if (rows[0]?.moved === 1) return;
  // Nothing was written; say why, as appendNow does.
  const { rows: lock } = await pool.query<Row>(prepared(sql.SELECT_LOCK, [runId]));
  if (batch.conductor !== undefined && lock[0]?.lock_owner !== batch.conductor) throw lockLost(runId, lock[0]);
  throw new ConflictError(`run "${runId}" moved past seq ${expectedSeq}; another process appended to it`);
}

async function appendNow(client: PoolClient, batch: AppendBatch): Promise<void> {
  const { runId, events, expectedSeq } = batch;
  const last = events.at(-1) as LedgerEvent;
  if (expectedSeq === 0) {
    if (!batch.create) throw new Error('store: the first batch of a run must say `create`');
    const { name, planHash, lock } = batch.create;
    const created = await client.query(
      prepared(sql.INSERT_RUN, [
        runId,
        name,
        planHash,
        batch.status,
        last.at,
        last.seq,
        last.hash,
        lock?.id ?? null,
        lock?.host ?? null,
        lock?.pid ?? null,
        lock?.expiresAt ?? null,
        objectiveOf(events),
      ]),
    );
    if (created.rowCount !== 1) throw new ConflictError(`run "${runId}" already exists`);
  } else {
    const updated = await client.query(
      prepared(sql.UPDATE_RUN_HEAD, [
        runId,
        last.seq,
        last.hash,
        batch.status,
        last.at,
        expectedSeq,
        batch.conductor ?? null,
      ]),
    );
    if (updated.rowCount !== 1) {
      const { rows } = await client.query<Row>(prepared(sql.SELECT_LOCK, [runId]));
      if (batch.conductor !== undefined && rows[0]?.lock_owner !== batch.conductor) throw lockLost(runId, rows[0]);
      throw new ConflictError(`run "${runId}" moved past seq ${expectedSeq}; another process appended to it`);
    }
  }
  const stored = events.map(storedFormOf);
  await client.query(prepared(sql.INSERT_EVENTS, [runId, eventRows(events, stored)]));
  // In hash order, so that two appends storing the same payloads lock them in the same order and never deadlock.
  const payloads = [...new Map(stored.flatMap((form) => form.payloads).map((p) => [p.hash, p.body]))].sort(
    ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0),
  );
  if (payloads.length > 0) {
    await client.query(
      prepared(sql.INSERT_PAYLOADS, [payloads.map(([hash]) => hash), payloads.map(([, body]) => body)]),
    );
  }
  const enqueue = batch.enqueue ?? [];
  if (enqueue.length) {
    await client.query(prepared(sql.INSERT_WORK, [runId, workRows(enqueue), NOTICE_PAYLOAD_BYTES]));
  }
  if (batch.dequeue?.length) await client.query(prepared(sql.DELETE_WORK, [runId, batch.dequeue]));
  if (batch.abandon?.length) await client.query(prepared(sql.ABANDON_WORK, [runId, batch.abandon]));
  if (batch.status !== 'running') await client.query(prepared(sql.PURGE_WORK, [runId]));
  // Last, so that the table lock is always taken after the run's row (see LOCK_WORKSPACE_LEDGER).
  if (needsWorkspaceEntries(events)) await appendWorkspaceEntries(client, (head) => workspaceEntriesFor(head, events));
  if (changesContext(events)) await writeContext(client, contextWritesOf(events));
}

/** The workspace context changes a batch implies, in the append's transaction (see context-writes.ts). */
async function writeContext(client: PoolClient, writes: readonly ContextWrite[]): Promise<void> {
  await client.query(sql.LOCK_CONTEXT_ENTRIES);
  for (const write of writes) {
    if (write.kind === 'insight')
      await client.query(
        prepared(sql.INSERT_CONTEXT_ENTRY, [
          CONTEXT_ID_PREFIX.insight,
          'insight',
          write.text,
          write.runId,
          'recorded',
          write.at,
        ]),
      );
    else await client.query(prepared(sql.COMPLETE_OBJECTIVE, [write.id, write.outcome, write.at]));
  }
}

/**
 * Chains the entries `build` makes from the workspace ledger's head onto it, under the lock every
 * appender of that ledger takes (LOCK_WORKSPACE_LEDGER), in the caller's transaction.
 */
async function appendWorkspaceEntries<E extends WorkspaceEntry>(
  client: PoolClient,
  build: (head: ChainHead) => E[],
): Promise<E[]> {
  await client.query(sql.LOCK_WORKSPACE_LEDGER);
  const { rows } = await client.query<Row>(prepared(sql.SELECT_WORKSPACE_HEAD, []));
  const entries = build(rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash as string } : EMPTY_HEAD);
  await client.query(
    prepared(sql.INSERT_WORKSPACE_ENTRIES, [
      entries.map((e) => e.seq),
      entries.map((e) => e.type),
      entries.map((e) => e.runId),
      entries.map((e) => e.at),
      entries.map((e) => JSON.stringify(e.data)),
      entries.map((e) => e.prevHash),
      entries.map((e) => e.hash),
    ]),
  );
  return entries;
}

function toWorkKey(row: Row): WorkKey {
  return { runId: row.run_id as string, attemptId: row.attempt_id as string };
}

function lockLost(runId: string, row: Row | undefined): LockLostError {
  const holder = row?.lock_owner == null ? 'no engine' : `${String(row.lock_owner)}`;
  return new LockLostError(
    `run "${runId}" is now conducted by ${holder}; this engine lost its lock and stops deciding for it`,
  );
}

/** This adapter's positions are `<transaction id>:<number>` (see SELECT_EVENTS_AFTER_POSITION); anything else was not given by it. */
function parsePosition(position: string | undefined): [string, string] {
  if (position === undefined) return ['0', '0'];
  const match = /^(0|[1-9][0-9]{0,19}):(0|[1-9][0-9]{0,18})$/.exec(position);
  // In range of xid8 (unsigned 64 bits) and bigint, so that the database never sees a number it refuses.
  if (!match || BigInt(match[1] as string) >= 2n ** 64n || BigInt(match[2] as string) >= 2n ** 63n) {
    throw new BatonError(
      ErrorCode.badInput,
      `${JSON.stringify(position.slice(0, 100))} is not a position in this workspace's event stream (its positions look like 7712:42)`,
    );
  }
  return [match[1] as string, match[2] as string];
}
