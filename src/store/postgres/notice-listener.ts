import type { Client, Notification } from 'pg';
import type { StoreNotice, WorkItem, WorkOffer, WorkReport } from '../port.js';
import { toWork, type Row } from '../rows.js';

/** How long to wait before listening again after the connection dropped. */
const RECONNECT_MS = 1_000;

const TOPICS = new Set<string>(['ledger', 'work', 'outcomes', 'handed']);

/** PostgreSQL refuses a notice payload of this many bytes or more (its default build). */
export const NOTICE_PAYLOAD_BYTES = 8_000;

/**
 * One dedicated connection that LISTENs on the schema's channel (`baton.<schema>`: schemas
 * sharing a database do not wake each other) and fans notices out to subscribers. LISTEN
 * needs a session of its own, so it cannot use the pool. Notices are wake-ups only: when the
 * connection drops, it listens again after a second, and what was missed meanwhile is found
 * by the subscribers' polling.
 */
export class NoticeListener {
  private readonly listeners = new Set<(notice: StoreNotice) => void>();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly connect: () => Client,
    private readonly channel: string,
  ) {}

  async add(listener: (notice: StoreNotice) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    await this.listen();
    return async () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) await this.stop();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private listen(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = this.connect();
    const lost = (): void => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      if (!this.closed && this.listeners.size > 0)
        this.retry = setTimeout(() => void this.listen().catch(() => this.scheduleRetry()), RECONNECT_MS);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => this.dispatch(message));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  private scheduleRetry(): void {
    if (this.closed || this.listeners.size === 0) return;
    this.retry = setTimeout(() => void this.listen().catch(() => this.scheduleRetry()), RECONNECT_MS);
  }

  private dispatch(message: Notification): void {
    const notice = parseNotice(message.payload ?? '');
    if (!notice) return;
    for (const listener of this.listeners) {
      try {
        listener(notice);
      } catch {
        // A subscriber that throws does not stop the others.
      }
    }
  }

  private async stop(): Promise<void> {
    if (this.retry) clearTimeout(this.retry);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/**
 * `topic:runId`, and after a newline what the notice carries: for `outcomes` the reports and the
 * worker's offer (REPORT_WORK in queries.ts), for `handed` the item's row (APPEND_RUNNING_ROUND).
 * A payload that is not one of ours gives nothing; a cargo that does not parse gives a bare
 * wake-up, and the subscriber reads the queue as after any notice.
 * @example
 * parseNotice('outcomes:run-1\n{"worker":"w1","free":1,"reports":[{"attemptId":"a1","outcome":{...},"capability":"c","skill":"s"}]}');
 * // { topic: 'outcomes', runId: 'run-1', reports: [{ runId: 'run-1', attemptId: 'a1', outcome: {...} }],
 * //   offer: { workerId: 'w1', free: 1, ran: [{ capability: 'c', skill: 's' }] } }
 */
export function parseNotice(payload: string): StoreNotice | undefined {
  const colon = payload.indexOf(':');
  const topic = payload.slice(0, colon);
  if (colon < 0 || !TOPICS.has(topic)) return undefined;
  const newline = payload.indexOf('\n', colon);
  const runId = payload.slice(colon + 1, newline < 0 ? undefined : newline);
  const notice: StoreNotice = { topic: topic as StoreNotice['topic'], runId };
  if (newline < 0) return notice;
  try {
    const cargo: unknown = JSON.parse(payload.slice(newline + 1));
    if (topic === 'outcomes') return { ...notice, ...carriedReports(runId, cargo) };
    if (topic === 'handed') return { ...notice, ...carriedItem(runId, cargo) };
  } catch {
    // Not ours to understand: a bare wake-up.
  }
  return notice;
}

function carriedReports(runId: string, cargo: unknown): { reports: WorkReport[]; offer: WorkOffer } | object {
  const { worker, free, reports } = (cargo ?? {}) as { worker?: unknown; free?: unknown; reports?: unknown };
  if (typeof worker !== 'string' || typeof free !== 'number' || !Array.isArray(reports)) return {};
  const parsed: WorkReport[] = [];
  const ran: WorkOffer['ran'] = [];
  for (const entry of reports as { attemptId?: unknown; outcome?: unknown; capability?: unknown; skill?: unknown }[]) {
    if (typeof entry?.attemptId !== 'string' || typeof entry.outcome !== 'object' || entry.outcome === null) return {};
    if (typeof entry.capability !== 'string' || (entry.skill !== null && typeof entry.skill !== 'string')) return {};
    parsed.push({ runId, attemptId: entry.attemptId, outcome: entry.outcome as WorkReport['outcome'] });
    ran.push({ capability: entry.capability, skill: entry.skill });
  }
  return { reports: parsed, offer: { workerId: worker, free, ran } };
}

function carriedItem(runId: string, cargo: unknown): { item: WorkItem } | object {
  const row = cargo as Row | null;
  if (typeof row !== 'object' || row === null || row.run_id !== runId || typeof row.attempt_id !== 'string') return {};
  return { item: toWork(row) };
}
