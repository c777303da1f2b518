import { useEffect, useState } from 'react';
import type { RunView } from '../api/types.js';
import { Activity, Decisions } from '../components/decisions.js';
import { Gauge } from '../components/gauge.js';
import { PlanGraph } from '../components/plan-graph.js';
import { RunControls } from '../components/run-controls.js';
import { StatusBadge } from '../components/status-badge.js';
import { StepList } from '../components/step-list.js';
import { StepPanel } from '../components/step-panel.js';
import { Timeline } from '../components/timeline.js';
import { duration, time, usd } from '../format.js';
import { durationMs } from '../model/plan.js';
import { progressOf, type RunModel } from '../model/run-model.js';
import { useRun } from '../model/use-run.js';
import { navigate, onLinkClick, runPath } from '../router.js';
import { useSession } from '../session.js';

type Tab = 'graph' | 'timeline' | 'steps';

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function Gauges({ view, model, now }: { view: RunView; model: RunModel; now: number }) {
  const progress = progressOf(model);
  const start = Date.parse(view.createdAt);
  const elapsed = (view.endedAt ? Date.parse(view.endedAt) : now) - start;
  const deadline = durationMs(model.plan?.constraints?.deadline);
  const { spentUsd, reservedUsd, limitUsd } = view.budget;
  return (
    <div className="gauges">
      <div>
        <span className="label">Progress</span>
        <Gauge
          fullIsDone
          label="steps done"
          value={progress.done}
          max={progress.total}
          text={`${progress.done}/${progress.total} steps${progress.failed ? ` · ${progress.failed} failed` : ''}${progress.running ? ` · ${progress.running} running` : ''}`}
        />
      </div>
      <div>
        <span className="label">Budget</span>
        <Gauge
          label="budget spent"
          value={spentUsd}
          reserved={reservedUsd}
          max={limitUsd}
          text={
            limitUsd === null
              ? `${usd(spentUsd)} spent (no limit)`
              : `${usd(spentUsd)} of ${usd(limitUsd)}${reservedUsd > 0 ? ` (+${usd(reservedUsd)} reserved)` : ''}`
          }
        />
      </div>
      <div>
        <span className="label">Time</span>
        <Gauge
          label="time elapsed"
          value={elapsed}
          max={deadline}
          text={
            deadline === null ? `${duration(elapsed)} (no deadline)` : `${duration(elapsed)} of ${duration(deadline)}`
          }
        />
      </div>
    </div>
  );
}

/** A run: what waits for a person first, then the plan live as a graph, a timeline or a list, and a step's details beside it. */
export function RunPage({ runId, selected }: { runId: string; selected: string | null }) {
  const { model, view, stream, error, refresh } = useRun(runId);
  const { canAct } = useSession();
  const [tab, setTab] = useState<Tab>('graph');
  const live = view !== null && ['running', 'waiting', 'paused'].includes(view.status);
  const now = useNow(live);
  const select = (step: string | null): void => navigate(runPath(runId, step), true);
  // A mark per render of new events: what bench/dashboard.ts reads to time first render and live updates.
  useEffect(() => {
    if (model.seq > 0) performance.mark('baton:rendered', { detail: { seq: model.seq, steps: model.steps.size } });
  }, [model.version, model.seq, model.steps.size]);

  if (!view && error) {
    return (
      <main className="page">
        <p className="error" role="alert">
          {error}
        </p>
        <a href="/" onClick={onLinkClick}>
          Back to the runs
        </a>
      </main>
    );
  }
  return (
    <main className={`page run-page${selected ? ' with-panel' : ''}`}>
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href="/" onClick={onLinkClick}>
          Runs
        </a>{' '}
        / <span className="mono">{runId}</span>
      </nav>
      <div className="page-head">
        <div>
          <h1>
            {view?.name ?? model.plan?.name ?? runId} {view && <StatusBadge status={view.status} />}
          </h1>
          {model.plan?.objective && <p className="objective">{model.plan.objective}</p>}
          <p className="muted small">
            <span className="mono">{runId}</span> · started {time(view?.createdAt)} · revision{' '}
            {view?.revision ?? model.revision} · {view?.events ?? model.seq} events ·{' '}
            <span className={`stream stream-${stream}`} aria-live="polite">
              {stream === 'live' ? '● live' : stream}
            </span>{' '}
            ·{' '}
            <a href={`/runs/${encodeURIComponent(runId)}/audit`} onClick={onLinkClick}>
              Audit: ledger, routing, revisions
            </a>
          </p>
        </div>
        {view && canAct && <RunControls view={view} onDone={refresh} />}
      </div>
      {view && <Gauges view={view} model={model} now={now} />}
      {view?.failure && (
        <p className="error-box" role="status" data-testid="failure">
          <strong>{view.status === 'denied' ? 'Denied' : 'Stopped'}:</strong> {view.failure}
        </p>
      )}
      {view?.paused && (
        <p className="warn-box">
          Paused by {view.paused.by}
          {view.paused.reason ? `: ${view.paused.reason}` : ''}
        </p>
      )}
      {view && <Decisions runId={runId} pending={view.pending} model={model} canAct={canAct} onDone={refresh} />}
      <div className="run-body">
        <section className="run-main" aria-label="plan">
          <div className="tabs" role="tablist" aria-label="views of the plan">
            {(['graph', 'timeline', 'steps'] as const).map((name) => (
              <button
                key={name}
                type="button"
                role="tab"
                aria-selected={tab === name}
                aria-controls={`tab-${name}`}
                id={`tab-button-${name}`}
                onClick={() => setTab(name)}
              >
                {name === 'graph' ? 'Graph' : name === 'timeline' ? 'Timeline' : 'Steps'}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`tab-${tab}`} aria-labelledby={`tab-button-${tab}`}>
            {tab === 'graph' &&
              (model.plan ? (
                <PlanGraph model={model} selected={selected} onSelect={select} />
              ) : (
                <p className="muted">Loading the plan…</p>
              ))}
            {tab === 'timeline' && <Timeline model={model} now={now} onSelect={select} />}
            {tab === 'steps' && <StepList model={model} selected={selected} onSelect={select} />}
          </div>
          <Activity model={model} />
        </section>
        {selected && model.steps.has(selected) && (
          <StepPanel runId={runId} model={model} stepId={selected} canAct={canAct} onClose={() => select(null)} />
        )}
      </div>
    </main>
  );
}
