import type { SSEStreamingApi } from 'hono/streaming';
import type { AppendSignal } from './append-signal.js';

export interface StreamTiming {
  /** How often a stream looks for events appended by other processes (ms). */
  pollMs: number;
  /** A comment line is sent when nothing else was for this long, so proxies keep the connection (ms). */
  keepAliveMs: number;
}

export interface FollowOptions<T> {
  /** The next events after `cursor`, in order, at most a page. */
  readPage(cursor: string | undefined): Promise<T[]>;
  /** The SSE id of an event: what a client sends back as Last-Event-ID. */
  idOf(event: T): string;
  /** What is sent as the message's data (as JSON): the ledger event. */
  dataOf(event: T): unknown;
  /** True when, caught up, the stream should end (a run that has ended). */
  finished?(): Promise<boolean>;
  appends: AppendSignal;
  timing: StreamTiming;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
}

/**
 * Sends events after `cursor` as SSE messages (`id` = the event's id, `data` = its JSON), then
 * follows new ones. The cursor only ever moves to an id just sent, so a client reconnecting
 * with the last id it received gets exactly the events after it: none lost, none repeated.
 */
export async function followEvents<T>(
  stream: SSEStreamingApi,
  cursor: string | undefined,
  options: FollowOptions<T>,
): Promise<void> {
  const { signal, timing } = options;
  let lastWrite = Date.now();
  while (!signal.aborted) {
    const page = await options.readPage(cursor);
    for (const event of page) {
      if (signal.aborted) return;
      await stream.writeSSE({ id: options.idOf(event), data: JSON.stringify(options.dataOf(event)) });
      cursor = options.idOf(event);
      lastWrite = Date.now();
    }
    if (page.length > 0) continue;
    if (options.finished && (await options.finished())) {
      // Appends that committed between the empty page and the check above are read first.
      if ((await options.readPage(cursor)).length === 0) return;
      continue;
    }
    if (Date.now() - lastWrite >= timing.keepAliveMs) {
      await stream.write(': keep-alive\n\n');
      lastWrite = Date.now();
    }
    await options.appends.next(Math.min(timing.pollMs, timing.keepAliveMs), signal);
  }
}
