import { useEffect, useMemo, useState } from 'react';
import { api } from '../api/client.js';
import type { Json, LedgerPage, VerifyResult } from '../api/types.js';
import { JsonView } from '../components/json-view.js';
import { time } from '../format.js';
import { diffLines } from '../model/line-diff.js';
import { useRun } from '../model/use-run.js';
import { onLinkClick, runPath } from '../router.js';
import { useSession } from '../session.js';

const LEDGER_PAGE = 50;

function VerifyBadge({ runId, seq }: { runId: string; seq: number }) {
  const [result, setResult] = useState<VerifyResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void api
      .verify(runId)
      .then(setResult, (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)));
  }, [runId, seq]);
  if (error) return <span className="badge status-failed">verify failed: {error}</span>;
  if (!result) return <span className="badge">verifying…</span>;
  if (result.ok) {
    const sealed = result.artifacts?.sealed ?? 0;
    return (
      <span className="badge status-succeeded" data-testid="verify" title={`head ${result.head.hash}`}>
        ✓ chain verified: {result.events} events{sealed > 0 ? `, ${sealed} sealed artifacts intact` : ''}
      </span>
    );
  }
  return (
    <span className="badge status-failed" data-testid="verify">
      ✗ verification failed at event {result.seq}: {result.reason}
    </span>
  );
}

function Ledger({ runId, head }: { runId: string; head: number }) {
  const [after, setAfter] = useState(0);
  const [page, setPage] = useState<LedgerPage | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => {
    void api.ledger(runId, after, LEDGER_PAGE).then(setPage);
  }, [runId, after, head]);
  if (!page) return <p className="muted">…</p>;
  return (
    <>
      <div className="table-wrap" tabIndex={0}>
        <table className="compact ledger">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {page.events.map((event) => (
              <tr key={event.seq}>
                <td className="mono">{event.seq}</td>
                <td className="nowrap">{time(event.at)}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    aria-expanded={open === event.seq}
                    onClick={() => setOpen(open === event.seq ? null : event.seq)}
                  >
                    {event.type}
                  </button>
                  {open === event.seq && <JsonView value={event.data} label={`data of event ${event.seq}`} />}
                </td>
                <td className="mono muted" title={event.hash}>
                  {event.hash.slice(0, 12)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Pages of the ledger">
        <button type="button" disabled={after === 0} onClick={() => setAfter(Math.max(0, after - LEDGER_PAGE))}>
          ← Earlier
        </button>
        <span className="muted">
          events {after + 1}–{after + page.events.length} of {head}
        </span>
        <button type="button" disabled={page.next === null} onClick={() => page.next !== null && setAfter(page.next)}>
          Later →
        </button>
      </nav>
    </>
  );
}

function RoutingLog({ runId, seq }: { runId: string; seq: number }) {
  const [entries, setEntries] = useState<Record<string, Json>[] | null>(null);
  useEffect(() => {
    void api.routing(runId).then(setEntries);
  }, [runId, seq]);
  if (!entries) return <p className="muted">…</p>;
  return (
    <div className="table-wrap" tabIndex={0}>
      <table className="compact">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Capability</th>
            <th scope="col">Outcome</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={`${String(entry.seq)}-${String(entry.step)}`}>
              <td>
                <a href={runPath(runId, String(entry.step))} onClick={onLinkClick}>
                  {String(entry.step)}
                </a>
              </td>
              <td>{entry.capability === null ? '-' : String(entry.capability)}</td>
              <td>{String(entry.outcome)}</td>
              <td>{String(entry.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The pipeline state as the seed files write it (`baton state RUN --md`), to read or copy as is. */
function PipelineStateMarkdown({ runId, seq }: { runId: string; seq: number }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    void api
      .stateMarkdown(runId)
      .then(setText, (failure: unknown) => setText(failure instanceof Error ? failure.message : String(failure)));
  }, [runId, seq]);
  return (
    <pre className="markdown" tabIndex={0} aria-label="pipeline state as Markdown">
      {text ?? '…'}
    </pre>
  );
}

/** The audit of a run: the verification badge, the ledger page by page, the routing log, the plan's revisions with a diff and revert. */
export function AuditPage({ runId }: { runId: string }) {
  const { model, view, refresh } = useRun(runId);
  const { canAct } = useSession();
  const [pair, setPair] = useState<[number, number] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const revisions = model.revisions;
  const shown: [number, number] | null =
    pair ?? (revisions.length > 1 ? [revisions.length - 1, revisions.length] : null);
  const diff = useMemo(() => {
    if (!shown) return null;
    const before = revisions.find((entry) => entry.revision === shown[0]);
    const after = revisions.find((entry) => entry.revision === shown[1]);
    if (!before || !after) return null;
    return diffLines(JSON.stringify(before.plan, null, 2), JSON.stringify(after.plan, null, 2));
  }, [shown?.[0], shown?.[1], revisions.length]);
  const revert = async (to: number) => {
    setError(null);
    try {
      await api.revert(runId, to);
      refresh();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  const head = view?.events ?? model.seq;
  return (
    <main className="page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href="/" onClick={onLinkClick}>
          Runs
        </a>{' '}
        /{' '}
        <a href={runPath(runId)} onClick={onLinkClick} className="mono">
          {runId}
        </a>{' '}
        / audit
      </nav>
      <div className="page-head">
        <h1>Audit of {view?.name ?? runId}</h1>
        <VerifyBadge runId={runId} seq={head} />
      </div>
      <section aria-label="ledger">
        <h2>Ledger</h2>
        <Ledger runId={runId} head={head} />
      </section>
      <section aria-label="routing log">
        <h2>Routing log</h2>
        <RoutingLog runId={runId} seq={head} />
      </section>
      <section aria-label="pipeline state">
        <h2>Pipeline state</h2>
        <PipelineStateMarkdown runId={runId} seq={head} />
      </section>
      <section aria-label="plan revisions">
        <h2>Plan revisions</h2>
        <div className="table-wrap" tabIndex={0}>
          <table className="compact">
            <thead>
              <tr>
                <th scope="col">Revision</th>
                <th scope="col">When</th>
                <th scope="col">By</th>
                <th scope="col">Note</th>
                <th scope="col">
                  <span className="sr-only">actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {revisions.map((entry) => (
                <tr key={entry.revision}>
                  <td>
                    {entry.revision}
                    {entry.revision === revisions.length ? ' (current)' : ''}
                  </td>
                  <td className="nowrap">{time(entry.at)}</td>
                  <td className="mono">{entry.by}</td>
                  <td>
                    {entry.revertOf !== null
                      ? `reverts to ${entry.revertOf}`
                      : entry.revision === 1
                        ? 'as submitted'
                        : ''}
                  </td>
                  <td>
                    <div className="actions">
                      {entry.revision > 1 && (
                        <button type="button" onClick={() => setPair([entry.revision - 1, entry.revision])}>
                          Diff with {entry.revision - 1}
                        </button>
                      )}
                      {canAct &&
                        entry.revision < revisions.length &&
                        view &&
                        ['running', 'waiting', 'paused'].includes(view.status) && (
                          <button type="button" onClick={() => void revert(entry.revision)}>
                            Revert to this
                          </button>
                        )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {shown && diff && (
          <figure className="diff" aria-label={`diff of revision ${shown[0]} and ${shown[1]}`}>
            <figcaption>
              Revision {shown[0]} → {shown[1]}
            </figcaption>
            <pre tabIndex={0}>
              {diff
                .filter(
                  (line, i, all) =>
                    line.kind !== 'same' || all.slice(Math.max(0, i - 3), i + 4).some((near) => near.kind !== 'same'),
                )
                .map((line, i) => (
                  <div key={i} className={`diff-${line.kind}`}>
                    {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}
                    {line.text}
                  </div>
                ))}
            </pre>
          </figure>
        )}
        {shown && diff === null && <p className="muted">These revisions are too large to diff here.</p>}
      </section>
    </main>
  );
}
