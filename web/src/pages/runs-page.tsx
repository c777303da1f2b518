import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.js';
import type { RunGauge, RunSummary } from '../api/types.js';
import { Gauge } from '../components/gauge.js';
import { usePoll } from '../components/poll.js';
import { StatusBadge } from '../components/status-badge.js';
import { duration, time, usd } from '../format.js';
import { onLinkClick, runPath } from '../router.js';

const STATUSES = ['running', 'succeeded', 'failed', 'denied', 'aborted', 'timed_out'] as const;
const PAGE = 50;
/** How long typing must pause before the search goes to the server: one request per word, not per key. */
const SEARCH_DEBOUNCE_MS = 300;

/** The list's filters as the address keeps them (`/?status=failed&q=nightly`), so a reload or a shared link shows the same list. */
function readFilters(): { status: string; q: string } {
  const params = new URLSearchParams(location.search);
  return { status: params.get('status') ?? '', q: params.get('q') ?? '' };
}

function writeFilters(status: string, q: string): void {
  const params = new URLSearchParams();
  if (status) params.set('status', status);
  if (q) params.set('q', q);
  const text = params.toString();
  const to = `${location.pathname}${text ? `?${text}` : ''}`;
  if (to !== `${location.pathname}${location.search}`) history.replaceState(null, '', to);
}

function Progress({ gauge }: { gauge: RunGauge | undefined }) {
  if (!gauge) return <span className="muted">…</span>;
  const { total, succeeded, skipped, failed } = gauge.steps;
  const done = succeeded + skipped;
  return (
    <Gauge
      fullIsDone
      label="steps done"
      value={done}
      max={total}
      text={`${done}/${total}${failed > 0 ? ` · ${failed} failed` : ''}`}
    />
  );
}

function Budget({ gauge }: { gauge: RunGauge | undefined }) {
  if (!gauge) return <span className="muted">…</span>;
  const { spentUsd, reservedUsd, limitUsd } = gauge.budget;
  return (
    <Gauge
      label="budget spent"
      value={spentUsd}
      reserved={reservedUsd}
      max={limitUsd}
      text={limitUsd === null ? `${usd(spentUsd)} (no limit)` : `${usd(spentUsd)} of ${usd(limitUsd)}`}
    />
  );
}

function Elapsed({ gauge, now }: { gauge: RunGauge | undefined; now: number }) {
  if (!gauge) return <span className="muted">…</span>;
  const start = Date.parse(gauge.createdAt);
  const end = gauge.endedAt ? Date.parse(gauge.endedAt) : now;
  const deadline = gauge.deadlineAt ? Date.parse(gauge.deadlineAt) : null;
  const elapsed = end - start;
  return (
    <Gauge
      label="time elapsed"
      value={elapsed}
      max={deadline === null ? null : deadline - start}
      text={deadline === null ? duration(elapsed) : `${duration(elapsed)} of ${duration(deadline - start)}`}
    />
  );
}

/**
 * Every run, newest first, a page at a time (the server pages by cursor, so 10,000 runs cost what
 * 50 do), filtered by status and searched by the server (`q`: id, plan name, objective) across all
 * runs, not just the page shown. Beside each: progress, budget and time from `/v1/gauges`, asked
 * again only for runs whose ledger grew. The page polls: it shows new runs and new states within
 * two seconds.
 */
export function RunsPage() {
  const [status, setStatus] = useState(() => readFilters().status);
  // `search` is the box as typed; `query` is what was asked of the server, once typing paused.
  const [search, setSearch] = useState(() => readFilters().q);
  const [query, setQuery] = useState(() => readFilters().q.trim());
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ runs: RunSummary[]; next: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const gauges = useRef(new Map<string, { seq: number; gauge: RunGauge }>());
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    const timer = setTimeout(() => {
      const next = search.trim();
      if (next !== query) {
        setQuery(next);
        setCursors([undefined]);
      }
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search, query]);

  useEffect(() => writeFilters(status, query), [status, query]);

  usePoll(
    async () => {
      try {
        const next = await api.listRuns({
          limit: PAGE,
          ...(status && { status }),
          ...(query && { q: query }),
          ...(cursor && { cursor }),
        });
        const stale = next.runs.filter((run) => gauges.current.get(run.runId)?.seq !== run.headSeq);
        if (stale.length > 0) {
          const answer = await api.gauges(stale.map((run) => run.runId));
          for (const gauge of answer.gauges)
            gauges.current.set(gauge.runId, {
              seq: stale.find((run) => run.runId === gauge.runId)?.headSeq ?? 0,
              gauge,
            });
        }
        setPage(next);
        setNow(Date.now());
        setError(null);
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    },
    2_000,
    [status, query, cursor],
  );

  const shown = page?.runs ?? [];

  return (
    <main className="page">
      <div className="page-head">
        <h1>Runs</h1>
        <div className="filters" role="search">
          <label>
            <span className="label">Status</span>
            <select
              value={status}
              onChange={(event) => {
                setStatus(event.target.value);
                setCursors([undefined]);
              }}
            >
              <option value="">all</option>
              {STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value.replace('_', ' ')}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="label">Search</span>
            <input
              type="search"
              value={search}
              maxLength={200}
              onChange={(event) => setSearch(event.target.value)}
              placeholder="run id, plan name or objective"
            />
          </label>
        </div>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {page && page.runs.length === 0 && query !== '' && (
        <p className="empty">
          No run{status ? ` with status ${status}` : ''} has “{query}” in its id, plan name or objective.
        </p>
      )}
      {page && page.runs.length === 0 && query === '' && (
        <p className="empty">
          No runs{status ? ` with status ${status}` : ''} yet. Start one with <code>baton run PLAN</code> or{' '}
          <code>POST /v1/runs</code>.
        </p>
      )}
      {shown.length > 0 && (
        <div className="table-wrap" tabIndex={0}>
          <table className="runs">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Run</th>
                <th scope="col">Progress</th>
                <th scope="col">Budget</th>
                <th scope="col">Time</th>
                <th scope="col">Waiting for</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((run) => {
                const gauge = gauges.current.get(run.runId)?.gauge;
                return (
                  <tr key={run.runId} data-run={run.runId}>
                    <td>
                      <StatusBadge status={run.status} />
                    </td>
                    <td>
                      <div className="run-cell">
                        <a href={runPath(run.runId)} onClick={onLinkClick} className="run-name">
                          {run.name}
                        </a>
                        <span className="mono muted">{run.runId}</span>
                      </div>
                    </td>
                    <td>
                      <Progress gauge={gauge} />
                    </td>
                    <td>
                      <Budget gauge={gauge} />
                    </td>
                    <td>
                      <Elapsed gauge={gauge} now={now} />
                    </td>
                    <td>
                      {run.pending.length === 0 ? (
                        <span className="muted">-</span>
                      ) : (
                        run.pending.map((pending) => (
                          <a
                            key={pending.id}
                            href={runPath(run.runId)}
                            onClick={onLinkClick}
                            className="pill decision"
                            title={pending.reason}
                          >
                            {pending.kind}: {pending.step ?? pending.phase}
                          </a>
                        ))
                      )}
                    </td>
                    <td className="nowrap">{time(run.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages of runs">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span className="muted">page {cursors.length}</span>
        <button type="button" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
          Older →
        </button>
      </nav>
    </main>
  );
}
