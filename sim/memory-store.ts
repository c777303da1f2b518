import {
  admitLease,
  BatonError,
  ConflictError,
  ErrorCode,
  leaseIsSpent,
  limitLoads,
  type ApiToken,
  type LeaseVerdict,
  type LedgerEvent,
  type LimitLoad,
  type PlanningRecord,
} from '../src/core/index.js';
import {
  CONTEXT_ID_PREFIX,
  contextWritesOf,
  LockLostError,
  matchesRunSearch,
  objectiveOf,
  type AppendBatch,
  type ContextEntry,
  type ListRunsQuery,
  type PayloadReading,
  type PositionedEvent,
  type ProviderLease,
  type RunLock,
  type RunRecord,
  type Store,
  type StoreNotice,
  type WorkItem,
  type WorkKey,
  type WorkReport,
  resolveStoredPayloads,
} from '../src/store/index.js';
import {
  EMPTY_HEAD,
  needsWorkspaceEntries,
  keyEntryFor,
  planningEntryFor,
  SIGNING_KEYS_ID,
  storedFormOf,
  workspaceEntriesFor,
  type KeyEntry,
  type KeyRecord,
  type PlanningEntry,
  type WorkspaceEntry,
} from '../src/ledger/index.js';

interface RunRow {
  record: RunRecord;
  lock: RunLock | null;
  events: string[];
  /** Copied from the run.created event, as the SQL adapters' runs rows do, for search. */
  objective: string | null;
}

/**
 * The Store port in memory, for the simulation: no file, no clock, no wait, fully
 * deterministic. Events and work are kept as JSON text, like the SQL adapters keep them, so
 * that what is read back is a copy (a caller mutating an event it read cannot change the
 * ledger) and what could not be stored as JSON fails here as it would there. Every append is
 * checked completely before anything is written: it is all or nothing. The conformance suite
 * (test/store/memory.test.ts) holds it to the same contract as SQLite and PostgreSQL.
 */
export class MemoryStore implements Store {
  /** The port names two dialects; in memory it behaves as the embedded one (one writer, positions in commit order). */
  readonly dialect = 'sqlite';
  private readonly runs = new Map<string, RunRow>();
  /** Every event of every run in commit order: [runId, seq]. Positions are indexes + 1. */
  private readonly stream: [string, number][] = [];
  /** run id -> attempt id -> item (as JSON), in insertion order. */
  private readonly work = new Map<string, Map<string, string>>();
  private readonly context: ContextEntry[] = [];
  /** The workspace ledger's entries, as JSON, in seq order. */
  private readonly workspace: string[] = [];
  /** Payloads by hex sha256: stored once each, never changed. */
  private readonly payloads = new Map<string, string>();
  private readonly tokens: (ApiToken & { secretHash: string })[] = [];
  private readonly subscribers = new Set<(notice: StoreNotice) => void>();
  /** Provider leases by id; one caller at a time, so admission needs no lock here. */
  private readonly leases = new Map<string, ProviderLease>();

  async acquireProviderLease(args: Parameters<Store['acquireProviderLease']>[0]): Promise<LeaseVerdict> {
    const live: ProviderLease[] = [];
    for (const lease of this.leases.values()) {
      if (lease.key !== args.key) continue;
      if (leaseIsSpent(lease, args.now, args.windowMs)) this.leases.delete(lease.id);
      else live.push(lease);
    }
    const verdict = admitLease(args.limit, live, args);
    if (verdict.admitted) {
      const { id, key, holder, now, expiresAt, tokens } = args;
      this.leases.set(id, { id, key, holder, acquiredAt: now, expiresAt, releasedAt: null, tokens });
    }
    return verdict;
  }

  async renewProviderLease(id: string, expiresAt: number): Promise<boolean> {
    const lease = this.leases.get(id);
    if (lease?.releasedAt !== null || lease === undefined) return false;
    lease.expiresAt = expiresAt;
    return true;
  }

  async releaseProviderLease(args: { id: string; tokens: number; now: number }): Promise<void> {
    const lease = this.leases.get(args.id);
    if (lease === undefined || lease.releasedAt !== null) return;
    lease.releasedAt = args.now;
    lease.tokens = args.tokens;
  }

  async providerLoads(now: number, windowMs: number): Promise<Record<string, LimitLoad>> {
    return limitLoads([...this.leases.values()], now, windowMs);
  }

  async append(batch: AppendBatch): Promise<void> {
    const { runId, events, expectedSeq } = batch;
    const last = events.at(-1);
    if (!last) return;
    const existing = this.runs.get(runId);
    if (expectedSeq === 0) {
      if (!batch.create) throw new Error('store: the first batch of a run must say `create`');
      if (existing) throw new ConflictError(`run "${runId}" already exists`);
    } else {
      const fenced =
        existing !== undefined &&
        existing.record.headSeq === expectedSeq &&
        (batch.conductor === undefined || existing.lock?.id === batch.conductor);
      if (!fenced) {
        const holder = existing?.lock?.id;
        if (batch.conductor !== undefined && holder !== batch.conductor) {
          throw new LockLostError(
            `run "${runId}" is now conducted by ${holder ?? 'no engine'}; this engine lost its lock and stops deciding for it`,
          );
        }
        throw new ConflictError(`run "${runId}" moved past seq ${expectedSeq}; another process appended to it`);
      }
    }
    // Serialize everything before writing anything: a value JSON cannot hold fails the whole batch.
    const stored = events.map(storedFormOf);
    const texts = events.map((event, i) => JSON.stringify({ ...event, data: stored[i]?.data }));
    const enqueue = (batch.enqueue ?? []).map((item) => JSON.stringify(item));
    let row = existing;
    if (!row) {
      const { name, planHash, lock } = batch.create as NonNullable<AppendBatch['create']>;
      row = {
        record: {
          runId,
          name,
          planHash,
          status: batch.status,
          createdAt: last.at,
          updatedAt: last.at,
          headSeq: last.seq,
          headHash: last.hash,
        },
        lock: lock ? { ...lock } : null,
        events: [],
        objective: objectiveOf(events),
      };
      this.runs.set(runId, row);
    }
    row.record = { ...row.record, status: batch.status, updatedAt: last.at, headSeq: last.seq, headHash: last.hash };
    for (const payload of stored.flatMap((form) => form.payloads)) {
      if (!this.payloads.has(payload.hash)) this.payloads.set(payload.hash, payload.body);
    }
    for (const [i, event] of events.entries()) {
      row.events.push(texts[i] as string);
      this.stream.push([runId, event.seq]);
    }
    if (needsWorkspaceEntries(events)) {
      const last = this.workspace.at(-1);
      const head = last === undefined ? EMPTY_HEAD : (JSON.parse(last) as WorkspaceEntry);
      for (const entry of workspaceEntriesFor({ seq: head.seq, hash: head.hash }, events))
        this.workspace.push(JSON.stringify(entry));
    }
    // As the SQL adapters do in the append's transaction: the context changes its events imply.
    for (const write of contextWritesOf(events)) {
      if (write.kind === 'insight') void this.addContextEntry(write);
      else {
        const entry = this.context.find((existing) => existing.id === write.id && existing.status === 'open');
        if (entry && entry.kind !== 'insight')
          Object.assign(entry, { status: 'complete', outcome: write.outcome, completedAt: write.at });
      }
    }
    const queue = this.work.get(runId) ?? new Map<string, string>();
    this.work.set(runId, queue);
    for (const text of enqueue) {
      const item = JSON.parse(text) as WorkItem;
      if (!queue.has(item.attemptId)) queue.set(item.attemptId, text);
    }
    for (const attemptId of batch.dequeue ?? []) queue.delete(attemptId);
    for (const attemptId of batch.abandon ?? [])
      this.update(runId, attemptId, (item) => ({ ...item, abandoned: true, leaseUntil: null }));
    if (batch.status !== 'running') queue.clear();
    this.notify({ topic: 'ledger', runId });
    if (batch.enqueue?.some((item) => item.claimedBy === null)) this.notify({ topic: 'work', runId });
  }

  private item(runId: string, attemptId: string): WorkItem | undefined {
    const text = this.work.get(runId)?.get(attemptId);
    return text === undefined ? undefined : (JSON.parse(text) as WorkItem);
  }

  private update(runId: string, attemptId: string, change: (item: WorkItem) => WorkItem): void {
    const item = this.item(runId, attemptId);
    if (item) this.work.get(runId)?.set(attemptId, JSON.stringify(change(item)));
  }

  private allWork(runId?: string): WorkItem[] {
    const runs = runId === undefined ? [...this.work.keys()] : [runId];
    return runs.flatMap((id) => [...(this.work.get(id)?.values() ?? [])].map((text) => JSON.parse(text) as WorkItem));
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
    const texts = this.runs.get(runId)?.events ?? [];
    const events = texts.slice(afterSeq, afterSeq + limit).map((text) => JSON.parse(text) as LedgerEvent);
    return options.payloads === 'reference' ? events : this.resolved(events);
  }

  async readPayloads(hashes: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const hash of hashes) {
      const body = this.payloads.get(hash);
      if (body !== undefined) found.set(hash, body);
    }
    return found;
  }

  private resolved(events: LedgerEvent[]): Promise<LedgerEvent[]> {
    return resolveStoredPayloads(events, (hashes) => this.readPayloads(hashes));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.runs.get(runId);
    return row ? { ...row.record } : undefined;
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunRecord[]> {
    const { before, search } = query;
    return [...this.runs.values()]
      .filter((row) => search === undefined || matchesRunSearch({ ...row.record, objective: row.objective }, search))
      .map((row) => ({ ...row.record }))
      .filter((run) => query.status === undefined || run.status === query.status)
      .filter(
        (run) =>
          !before ||
          run.createdAt < before.createdAt ||
          (run.createdAt === before.createdAt && run.runId < before.runId),
      )
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.runId < b.runId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
      .slice(0, query.limit ?? 50);
  }

  async listWork(runId: string): Promise<WorkItem[]> {
    return this.allWork(runId).sort((a, b) => a.enqueuedSeq - b.enqueuedSeq);
  }

  async claimWork(args: Parameters<Store['claimWork']>[0]): Promise<WorkItem[]> {
    const claimable = this.allWork(args.runId)
      .filter((item) => item.claimedBy === null)
      .filter(
        (item) => item.kind !== 'function' || args.functions === undefined || args.functions.includes(item.capability),
      )
      .filter((item) => args.skills === undefined || (item.skill !== null && args.skills.includes(item.skill)))
      .sort((a, b) => a.enqueuedSeq - b.enqueuedSeq)
      .slice(0, args.limit);
    return claimable.map((item) => {
      const claimed = { ...item, claimedBy: args.workerId, leaseUntil: args.leaseUntil };
      this.work.get(item.runId)?.set(item.attemptId, JSON.stringify(claimed));
      return claimed;
    });
  }

  async renewLeases(workerId: string, leaseUntil: number): Promise<WorkKey[]> {
    const held = this.allWork().filter(
      (item) => item.claimedBy === workerId && !item.abandoned && item.outcome === null,
    );
    for (const item of held) this.update(item.runId, item.attemptId, (current) => ({ ...current, leaseUntil }));
    return held.map(({ runId, attemptId }) => ({ runId, attemptId }));
  }

  async reportWork(workerId: string, reports: readonly WorkReport[]): Promise<WorkKey[]> {
    const stored: WorkKey[] = [];
    for (const report of reports) {
      const item = this.item(report.runId, report.attemptId);
      if (!item || item.claimedBy !== workerId || item.outcome !== null) continue;
      this.update(report.runId, report.attemptId, (current) => ({
        ...current,
        outcome: structuredClone(report.outcome),
        leaseUntil: null,
      }));
      stored.push({ runId: report.runId, attemptId: report.attemptId });
    }
    for (const runId of new Set(stored.map((key) => key.runId))) this.notify({ topic: 'outcomes', runId });
    return stored;
  }

  async releaseWork(workerId: string, items: readonly WorkKey[]): Promise<void> {
    const released = items.filter((key) => {
      const item = this.item(key.runId, key.attemptId);
      if (!item || item.claimedBy !== workerId || item.abandoned || item.outcome !== null) return false;
      this.update(key.runId, key.attemptId, (current) => ({ ...current, claimedBy: null, leaseUntil: null }));
      return true;
    });
    for (const runId of new Set(released.map((key) => key.runId))) this.notify({ topic: 'work', runId });
  }

  async reportedWork(runId: string): Promise<WorkItem[]> {
    return (await this.listWork(runId)).filter((item) => item.outcome !== null);
  }

  async listUnconductedRuns(now: number, limit: number): Promise<string[]> {
    return [...this.runs.values()]
      .filter((row) => row.record.status === 'running' && (row.lock === null || row.lock.expiresAt < now))
      .sort((a, b) => (a.record.createdAt < b.record.createdAt ? -1 : a.record.createdAt > b.record.createdAt ? 1 : 0))
      .slice(0, limit)
      .map((row) => row.record.runId);
  }

  async subscribe(listener: (notice: StoreNotice) => void): Promise<() => Promise<void>> {
    this.subscribers.add(listener);
    return async () => {
      this.subscribers.delete(listener);
    };
  }

  async acquireRunLock(args: Parameters<Store['acquireRunLock']>[0]): ReturnType<Store['acquireRunLock']> {
    const row = this.runs.get(args.runId);
    if (!row) throw new ConflictError(`run "${args.runId}" does not exist`);
    const { lock } = row;
    if (
      lock === null ||
      lock.id === args.owner.id ||
      lock.expiresAt < args.now ||
      (args.replacing !== undefined && lock.id === args.replacing)
    ) {
      row.lock = { ...args.owner, expiresAt: args.expiresAt };
      return { acquired: true };
    }
    return { acquired: false, holder: { ...lock } };
  }

  async releaseRunLock(runId: string, ownerId: string): Promise<void> {
    const row = this.runs.get(runId);
    if (row?.lock?.id === ownerId) row.lock = null;
  }

  async addContextEntry(entry: {
    kind: ContextEntry['kind'];
    text: string;
    runId?: string;
    at: string;
  }): Promise<ContextEntry> {
    const number = this.context.filter((existing) => existing.kind === entry.kind).length + 1;
    const added: ContextEntry = {
      id: `${CONTEXT_ID_PREFIX[entry.kind]}-${number}`,
      kind: entry.kind,
      text: entry.text,
      runId: entry.runId ?? null,
      status: entry.kind === 'insight' ? 'recorded' : 'open',
      outcome: null,
      createdAt: entry.at,
      completedAt: null,
    };
    this.context.push(added);
    return { ...added };
  }

  async completeContextEntry(args: { id: string; outcome: string; at: string }): Promise<ContextEntry | undefined> {
    const entry = this.context.find((existing) => existing.id === args.id);
    if (!entry) return undefined;
    if (entry.kind === 'insight')
      throw new ConflictError(`"${entry.id}" is an insight; only objectives and tasks are completed`);
    if (entry.status !== 'open')
      throw new ConflictError(
        `${entry.kind} "${entry.id}" is already complete (since ${entry.completedAt}: ${entry.outcome})`,
      );
    Object.assign(entry, { status: 'complete', outcome: args.outcome, completedAt: args.at });
    return { ...entry };
  }

  async listContextEntries(query: { kind?: ContextEntry['kind'] } = {}): Promise<ContextEntry[]> {
    return this.context
      .filter((entry) => query.kind === undefined || entry.kind === query.kind)
      .map((entry) => ({ ...entry }));
  }

  async readEventsAfter(position: string | undefined, limit: number): Promise<PositionedEvent[]> {
    let start = 0;
    if (position !== undefined) {
      if (!/^(0|[1-9][0-9]{0,15})$/.test(position)) {
        throw new BatonError(
          ErrorCode.badInput,
          `${JSON.stringify(position.slice(0, 100))} is not a position in this workspace's event stream (its positions are whole numbers, such as 42)`,
        );
      }
      start = Number(position);
      if (start > this.stream.length) {
        throw new BatonError(
          ErrorCode.badInput,
          `${position} is not a position in this workspace's event stream: it is past the newest event (${this.stream.length})`,
        );
      }
    }
    const page = this.stream.slice(start, start + limit);
    const events = await this.resolved(
      page.map(([runId, seq]) => JSON.parse(this.runs.get(runId)?.events[seq - 1] as string) as LedgerEvent),
    );
    return events.map((event, i) => ({ position: String(start + i + 1), event }));
  }

  async createApiToken(token: ApiToken & { secretHash: string }): Promise<ApiToken> {
    if (
      this.tokens.some(
        (existing) =>
          existing.name === token.name || existing.id === token.id || existing.secretHash === token.secretHash,
      )
    ) {
      throw new ConflictError(
        `a token named "${token.name}" exists already (revoked tokens keep their names); choose another name`,
      );
    }
    this.tokens.push({ ...token, scopes: [...token.scopes], revokedAt: null });
    return publicToken(this.tokens.at(-1) as ApiToken & { secretHash: string });
  }

  async findApiToken(secretHash: string): Promise<ApiToken | undefined> {
    const token = this.tokens.find((existing) => existing.secretHash === secretHash);
    return token ? publicToken(token) : undefined;
  }

  async listApiTokens(query: { active?: boolean } = {}): Promise<ApiToken[]> {
    return this.tokens.filter((token) => !query.active || token.revokedAt === null).map(publicToken);
  }

  async revokeApiToken(args: { idOrName: string; at: string }): Promise<ApiToken | undefined> {
    const token = this.tokens.find((existing) => existing.id === args.idOrName || existing.name === args.idOrName);
    if (!token) return undefined;
    if (token.revokedAt !== null)
      throw new ConflictError(`token "${token.name}" was revoked already (at ${token.revokedAt})`);
    token.revokedAt = args.at;
    return publicToken(token);
  }

  async readWorkspaceLedger(
    query: { afterSeq?: number; limit?: number; runId?: string } = {},
  ): Promise<WorkspaceEntry[]> {
    const { afterSeq = 0, limit = Number.MAX_SAFE_INTEGER, runId } = query;
    const entries = this.workspace.map((text) => JSON.parse(text) as WorkspaceEntry);
    return entries
      .filter((entry) => entry.seq > afterSeq && (runId === undefined || entry.runId === runId))
      .slice(0, limit);
  }

  async appendPlanningRecord(record: PlanningRecord, at: string): Promise<PlanningEntry> {
    const last = this.workspace.at(-1);
    const head = last === undefined ? EMPTY_HEAD : (JSON.parse(last) as WorkspaceEntry);
    const entry = planningEntryFor({ seq: head.seq, hash: head.hash }, record, at);
    this.workspace.push(JSON.stringify(entry));
    return entry;
  }

  async appendKeyRecord(record: KeyRecord, at: string): Promise<KeyEntry> {
    const last = this.workspace.at(-1);
    const head = last === undefined ? EMPTY_HEAD : (JSON.parse(last) as WorkspaceEntry);
    // Read and pushed with no await in between: one appender at a time, as the SQL adapters' locks make it.
    const known = this.workspace
      .map((text) => JSON.parse(text) as WorkspaceEntry)
      .filter((e) => e.runId === SIGNING_KEYS_ID);
    const entry = keyEntryFor({ seq: head.seq, hash: head.hash }, known, record, at);
    this.workspace.push(JSON.stringify(entry));
    return entry;
  }

  /** A memory store starts empty, with its workspace ledger: it covers every run it holds. */
  async workspaceLedgerSince(): Promise<string | null> {
    return null;
  }

  async close(): Promise<void> {}
}

function publicToken(token: ApiToken & { secretHash: string }): ApiToken {
  return {
    id: token.id,
    name: token.name,
    scopes: [...token.scopes],
    ...(token.role !== undefined && { role: token.role }),
    createdAt: token.createdAt,
    revokedAt: token.revokedAt,
  };
}
