import { useState } from 'react';
import { api } from '../api/client.js';
import type { RunView } from '../api/types.js';

/** Pause, resume and abort, each with a reason the ledger records beside who sent it. */
export function RunControls({ view, onDone }: { view: RunView; onDone(): void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ended = !['running', 'waiting', 'paused'].includes(view.status);
  if (ended) return null;
  const act = async (what: 'pause' | 'resume' | 'abort') => {
    if (
      what === 'abort' &&
      !window.confirm(`Abort run ${view.runId}? Running attempts stop and completed steps are compensated.`)
    )
      return;
    setBusy(true);
    setError(null);
    try {
      if (what === 'pause') await api.pause(view.runId, reason);
      else if (what === 'resume') await api.resume(view.runId);
      else await api.abort(view.runId, reason || 'aborted from the dashboard');
      setReason('');
      onDone();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="controls" role="group" aria-label="run controls">
      <input
        type="text"
        aria-label="Reason (recorded in the ledger)"
        placeholder="reason"
        value={reason}
        onChange={(event) => setReason(event.target.value)}
      />
      {view.status === 'paused' ? (
        <button type="button" disabled={busy} onClick={() => void act('resume')}>
          Resume
        </button>
      ) : (
        <button type="button" disabled={busy} onClick={() => void act('pause')}>
          Pause
        </button>
      )}
      <button type="button" className="danger" disabled={busy} onClick={() => void act('abort')}>
        Abort
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
