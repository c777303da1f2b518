import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';
import { followEvents } from '../api/event-stream.js';
import type { RunView } from '../api/types.js';
import { applyEvents, emptyModel, type RunModel } from './run-model.js';

export interface LiveRun {
  model: RunModel;
  /** The server's view (status, pending decisions with their answers, budget); refreshed as events arrive. */
  view: RunView | null;
  stream: 'connecting' | 'live' | 'reconnecting' | 'ended';
  error: string | null;
  refresh(): void;
}

/**
 * A run kept live: its ledger streamed from the first event and folded as it comes, and the
 * server's run view fetched again after each burst (at most twice a second), so what a person
 * sees is never older than the ledger's last event by more than that.
 */
export function useRun(runId: string): LiveRun {
  const model = useRef<RunModel>(emptyModel());
  const [version, setVersion] = useState(0);
  const [view, setView] = useState<RunView | null>(null);
  const [stream, setStream] = useState<LiveRun['stream']>('connecting');
  const [error, setError] = useState<string | null>(null);
  const fetching = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });

  const refresh = useCallback(() => {
    const state = fetching.current;
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    void api
      .getRun(runId)
      .then((next) => {
        setView(next);
        setError(null);
      })
      .catch((failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)))
      .finally(() => {
        // Throttle: one request in flight, one more after it if events came meanwhile.
        setTimeout(() => {
          state.busy = false;
          if (state.again) {
            state.again = false;
            refresh();
          }
        }, 500);
      });
  }, [runId]);

  useEffect(() => {
    model.current = emptyModel();
    refresh();
    const stop = followEvents(api.eventsUrl(runId), 0, {
      onEvents: (events) => {
        performance.mark('baton:received', { detail: { seq: events[events.length - 1]?.seq ?? 0 } });
        applyEvents(model.current, events);
        setVersion(model.current.version);
        refresh();
      },
      onState: (state) => {
        setStream(state);
        if (state === 'ended') refresh();
      },
    });
    return stop;
  }, [runId, refresh]);

  void version;
  return { model: model.current, view, stream, error, refresh };
}
