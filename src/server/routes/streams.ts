import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { BatonError, ErrorCode, NotFoundError, type LedgerEvent } from '../../core/index.js';
import type { PositionedEvent } from '../../engine/index.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { RunParams } from '../schemas/common.js';
import { LedgerEventSchema, StreamQuery } from '../schemas/events.js';
import { followEvents, type FollowOptions } from '../sse/follow.js';
import { defineRoute, type AppContext, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const PAGE = 200;

const LAST_EVENT_ID = {
  name: 'Last-Event-ID',
  description: 'resume after this event id (EventSource sends it when it reconnects)',
};

/** Where a stream resumes: `Last-Event-ID` wins over `?after=`, as a reconnecting EventSource sends the header. */
function resumeFrom(
  c: AppContext,
  after: string | undefined,
): { value: string | undefined; where: (string | number)[] } {
  const header = c.req.header('last-event-id');
  if (header !== undefined) return { value: header, where: ['header', 'Last-Event-ID'] };
  return { value: after, where: ['query', 'after'] };
}

/** Subscribes a stream to messages that are not ledger events (partial output); returns the unsubscribe. */
type LiveMessages = (send: (message: { event: string; data: string }) => void) => () => void;

/** The partial output of the run's attempts that this process runs, as `partial` messages. */
function partialMessages(baton: RouteDeps['baton'], runId: string): LiveMessages {
  return (send) =>
    baton.onPartialOutput((partial) => {
      if (partial.runId === runId) send({ event: 'partial', data: JSON.stringify(partial) });
    });
}

/**
 * Streams with `follow` until the client leaves or the server shuts down. A failure inside the
 * stream (the database went away) ends it with an `error` event that says only that; the
 * details go to the log, as for any internal error.
 */
function sse<T>(
  c: AppContext,
  deps: RouteDeps,
  log: (line: string) => void,
  cursor: string | undefined,
  follow: Omit<FollowOptions<T>, 'appends' | 'timing' | 'signal'>,
  live?: LiveMessages,
): Response {
  return streamSSE(c, async (stream: SSEStreamingApi) => {
    const abort = new AbortController();
    const stop = () => abort.abort();
    stream.onAbort(stop);
    deps.shutdown.addEventListener('abort', stop);
    // Written between ledger events as they come, without an id: a client's Last-Event-ID stays the last ledger event's.
    const stopLive = live?.((message) => {
      if (!abort.signal.aborted) stream.writeSSE(message).catch(() => {});
    });
    try {
      await followEvents(stream, cursor, {
        ...follow,
        appends: deps.appends,
        timing: deps.timing,
        signal: abort.signal,
      });
    } catch (error) {
      log(
        `event stream ${new URL(c.req.url).pathname} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      await stream.writeSSE({
        event: 'error',
        data: JSON.stringify({
          error: { code: ApiErrorCode.internal, message: 'the stream failed; reconnect with Last-Event-ID to resume' },
        }),
      });
    } finally {
      stopLive?.();
      deps.shutdown.removeEventListener('abort', stop);
    }
  });
}

/** Ledger events as server-sent events, resumable with Last-Event-ID. */
export function streamRoutes(deps: RouteDeps, log: (line: string) => void): Route[] {
  const { baton } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/v1/runs/:id/events',
      operationId: 'streamRunEvents',
      tag: 'events',
      summary: "Stream a run's events",
      description:
        "Server-sent events: each message's `id` is the event's seq and its `data` the event as JSON. Sends the ledger after `Last-Event-ID` (or `?after=`; from the start without either), then each new event as it is recorded; ends once the run has ended and every event was sent. Reconnecting with the last id received loses and repeats nothing. A run that has ended with nothing after that id answers 204, which tells EventSource to stop reconnecting; an id past the run's newest event was never sent, and is a 400. A comment line is sent when idle, to keep the connection open. While an attempt that this server runs streams its output (an `llm` capability with `stream: true`), messages of type `partial` (SSE `event: partial`, no `id`) carry `{runId, step, attemptId, text}`: the whole text written so far, redacted, at most five a second. They are not ledger events: not recorded, not replayed on reconnection, and not sent for attempts run by workers in other processes; the attempt's `attempt.succeeded` holds the final output.",
      scope: 'read',
      params: RunParams,
      query: StreamQuery,
      headers: [LAST_EVENT_ID],
      responses: {
        200: { description: 'the event stream', contentType: 'text/event-stream', schema: LedgerEventSchema },
        204: { description: 'the run has ended and there is nothing after Last-Event-ID' },
      },
      handle: async ({ c, params, query }) => {
        const from = resumeFrom(c, query.after);
        if (from.value !== undefined && !/^(0|[1-9][0-9]{0,15})$/.test(from.value)) {
          throw new ApiError(ApiErrorCode.badInput, 'invalid stream position', [
            {
              path: from.where,
              message: 'an event id of this stream: the seq of an event, a whole number (0 for the start)',
            },
          ]);
        }
        const after = from.value === undefined ? 0 : Number(from.value);
        const record = await baton.findRun(params.id);
        if (!record) throw new NotFoundError(`run "${params.id}"`);
        // Seqs only grow: one past the run's newest event was never sent, and waiting for it would wait silently.
        if (after > record.headSeq) {
          throw new ApiError(ApiErrorCode.badInput, 'invalid stream position', [
            {
              path: from.where,
              message: `run "${params.id}" has no event ${after}: its newest is ${record.headSeq}; resume with an id this stream sent, or without one to start from the first event`,
            },
          ]);
        }
        if (record.status !== 'running' && record.headSeq <= after) return c.body(null, 204);
        return sse<LedgerEvent>(
          c,
          deps,
          log,
          String(after),
          {
            readPage: (cursor) => baton.eventPage(params.id, Number(cursor), PAGE),
            idOf: (event) => String(event.seq),
            dataOf: (event) => event,
            finished: async () => (await baton.findRun(params.id))?.status !== 'running',
          },
          partialMessages(baton, params.id),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/events',
      operationId: 'streamEvents',
      tag: 'events',
      summary: "Stream every run's events",
      description:
        "Server-sent events of every run in the workspace, in commit order: each message's `id` is the event's position in the workspace (opaque text) and its `data` the event as JSON (with its `runId` and `seq`). Starts after `Last-Event-ID` (or `?after=`; from the first event ever without either) and never ends by itself. An id this workspace did not give (not of its form, or past its newest event) is a 400. Reconnecting with the last id received loses and repeats nothing, across runs and processes. On PostgreSQL an event is sent once every transaction older than it has ended.",
      scope: 'read',
      query: StreamQuery,
      headers: [LAST_EVENT_ID],
      responses: {
        200: { description: 'the event stream', contentType: 'text/event-stream', schema: LedgerEventSchema },
      },
      handle: async ({ c, query }) => {
        const from = resumeFrom(c, query.after);
        try {
          await baton.eventsAfter(from.value, 1);
        } catch (error) {
          if (error instanceof BatonError && error.code === ErrorCode.badInput)
            throw new ApiError(ApiErrorCode.badInput, 'invalid stream position', [
              { path: from.where, message: error.message },
            ]);
          throw error;
        }
        return sse<PositionedEvent>(c, deps, log, from.value, {
          readPage: (cursor) => baton.eventsAfter(cursor, PAGE),
          idOf: (positioned) => positioned.position,
          dataOf: (positioned) => positioned.event,
        });
      },
    }),
  ];
}
