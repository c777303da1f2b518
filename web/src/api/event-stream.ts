import { authHeaders } from './client.js';
import type { LedgerEvent } from './types.js';

export interface StreamHandlers {
  /** A batch of events in ledger order, as they arrived together. */
  onEvents(events: LedgerEvent[]): void;
  onState(state: 'live' | 'reconnecting' | 'ended'): void;
}

/**
 * Follows a server-sent event stream with fetch rather than EventSource, which cannot send the
 * Authorization header. It resumes after the last id it received (`Last-Event-ID`), so a dropped
 * connection loses and repeats nothing; a 204 or the end of the stream means the run has ended.
 * Events that arrive together are handed over together, so a burst renders once.
 */
export function followEvents(url: string, after: number, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  let lastId = after;
  let backoffMs = 500;

  const connect = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(url, {
          headers: authHeaders({ Accept: 'text/event-stream', ...(lastId > 0 && { 'Last-Event-ID': String(lastId) }) }),
          signal: controller.signal,
        });
        if (response.status === 204) return handlers.onState('ended');
        // No such run, or no right to read it: asking again will not change that (the page shows the run view's error).
        if (response.status >= 400 && response.status < 500 && response.status !== 429)
          return handlers.onState('ended');
        if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
        handlers.onState('live');
        backoffMs = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          const blocks = buffer.split('\n\n');
          buffer = blocks.pop() ?? '';
          const batch: LedgerEvent[] = [];
          for (const block of blocks) {
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(5).trimStart())
              .join('\n');
            if (data === '') continue;
            const event = JSON.parse(data) as LedgerEvent;
            lastId = event.seq;
            batch.push(event);
          }
          if (batch.length > 0) handlers.onEvents(batch);
        }
        // The run's stream ends once the run has ended and its last event was sent.
        return handlers.onState('ended');
      } catch (error) {
        if (controller.signal.aborted) return;
        handlers.onState('reconnecting');
        // A dropped connection or a server restarting: try again, waiting longer each time.
        void error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
  };
  void connect();
  return () => controller.abort();
}
