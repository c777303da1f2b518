import type { ApiToken, BatonEvent } from '../../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, type ChainHead } from '../../../src/ledger/index.js';
import type { LedgerStore, PositionedEvent, Store, WorkItem } from '../../../src/store/index.js';

/** What every suite needs besides the port it holds to its contract: a store is closed after each test. */
export type Closable = Pick<Store, 'close'>;

export const AT = '2026-01-01T00:00:00.000Z';

export function created(): BatonEvent {
  return {
    type: 'run.created',
    data: { plan: { baton: 1, name: 'p', steps: { a: { skill: 's' } } }, planHash: 'h', inputs: {}, registry: {} },
  };
}

export function dispatched(attemptId: string): BatonEvent {
  return {
    type: 'attempt.dispatched',
    data: {
      attemptId,
      step: attemptId.split('/')[0] as string,
      index: null,
      iteration: 1,
      attempt: 1,
      idempotencyKey: `r/${attemptId}`,
      capability: 'c',
      input: { n: 1 },
      timeoutMs: null,
    },
  };
}

export function work(
  runId: string,
  attemptId: string,
  seq: number,
  claimedBy: string | null = null,
  more: Partial<WorkItem> = {},
): WorkItem {
  return {
    runId,
    attemptId,
    step: attemptId.split('/')[0] as string,
    capability: 'c',
    kind: 'command',
    skill: null,
    revision: 1,
    idempotencyKey: `${runId}/${attemptId}`,
    input: { n: 1 },
    timeoutMs: 1000,
    enqueuedSeq: seq,
    claimedBy,
    leaseUntil: claimedBy ? 5_000 : null,
    abandoned: false,
    outcome: null,
    ...more,
  };
}

export function succeeded(attemptId: string) {
  return { type: 'attempt.succeeded', data: { attemptId, output: { ok: attemptId }, durationMs: 2 } } as const;
}

/** Enqueues unclaimed items for attempts `ids` of a new run; returns the run's head. */
export async function runWithWork(
  store: Pick<LedgerStore, 'append'>,
  runId: string,
  items: { id: string; more?: Partial<WorkItem> }[],
): Promise<ChainHead> {
  const head = await createRun(store, runId);
  const events = chainEvents(
    runId,
    head,
    items.map(({ id }) => dispatched(id)),
    AT,
  );
  await store.append({
    runId,
    expectedSeq: head.seq,
    events,
    status: 'running',
    enqueue: items.map(({ id, more }, i) => work(runId, id, events[i]!.seq, null, more)),
  });
  return { seq: events.at(-1)!.seq, hash: events.at(-1)!.hash };
}

/** Notices arrive asynchronously (Postgres delivers them after commit over another connection). */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function createRun(store: Pick<LedgerStore, 'append'>, runId: string): Promise<ChainHead> {
  const events = chainEvents(runId, EMPTY_HEAD, [created()], AT);
  await store.append({ runId, expectedSeq: 0, events, status: 'running', create: { name: 'p', planHash: 'h' } });
  const last = events.at(-1)!;
  return { seq: last.seq, hash: last.hash };
}

export async function appendTo(
  store: Pick<LedgerStore, 'append'>,
  runId: string,
  head: ChainHead,
  events: BatonEvent[],
): Promise<ChainHead> {
  const chained = chainEvents(runId, head, events, AT);
  await store.append({ runId, expectedSeq: head.seq, events: chained, status: 'running' });
  const last = chained.at(-1)!;
  return { seq: last.seq, hash: last.hash };
}

/** Reads the whole workspace stream `pageSize` events at a time, each page after the last position read. */
export async function readStream(
  store: Pick<LedgerStore, 'readEventsAfter'>,
  pageSize: number,
  after?: string,
): Promise<PositionedEvent[]> {
  const all: PositionedEvent[] = [];
  let position = after;
  for (;;) {
    const page = await store.readEventsAfter(position, pageSize);
    all.push(...page);
    if (page.length < pageSize) return all;
    position = page.at(-1)!.position;
  }
}

/**
 * Reads until `done` holds (up to 20 s). On PostgreSQL an event becomes readable in the
 * workspace stream only once every older transaction of the server has ended, so a stream
 * read can lag while some other client holds a transaction open; it never skips.
 */
export async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const resumed = (reason: string): BatonEvent => ({ type: 'run.resumed', data: { engine: 'e', reason } });

export function token(name: string, scopes: ApiToken['scopes'] = ['read']): ApiToken & { secretHash: string } {
  return { id: `tok_${name}`, name, scopes, createdAt: AT, revokedAt: null, secretHash: `hash-of-${name}` };
}
