import { useMemo } from 'react';
import { duration, usd } from '../format.js';
import type { Attempt, RunModel, Wait } from '../model/run-model.js';

const MAX_ROWS = 300;

interface Row {
  key: string;
  step: string;
  label: string;
  attempts: Attempt[];
  waits: Wait[];
}

function rowsOf(model: RunModel): Row[] {
  const rows = new Map<string, Row>();
  for (const step of model.order) {
    const state = model.steps.get(step);
    if (!state) continue;
    const waits = model.waits.filter((wait) => wait.step === step);
    if (state.attempts.length === 0 && waits.length === 0) continue;
    if (state.attempts.length === 0) rows.set(step, { key: step, step, label: step, attempts: [], waits });
    for (const attempt of state.attempts) {
      // One row per instance of a `for_each` step and per consensus voter: parallel work side by side.
      const suffix =
        attempt.index !== null
          ? `[${attempt.index}]`
          : attempt.role === 'vote'
            ? ` · ${attempt.capability}`
            : attempt.role
              ? ` · ${attempt.role}`
              : '';
      const key = `${step}${suffix}`;
      const row = rows.get(key) ?? {
        key,
        step,
        label: `${step}${suffix}`,
        attempts: [],
        waits: suffix === '' ? waits : [],
      };
      row.attempts.push(attempt);
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}

/**
 * The waterfall: a row per step (per instance, per voter), a bar per attempt on one time axis,
 * so parallel work, retries (with the wait before each), and time spent waiting for people or
 * signals are seen at once. Hover or focus a bar for its numbers.
 */
export function Timeline({ model, now, onSelect }: { model: RunModel; now: number; onSelect(step: string): void }) {
  const rows = useMemo(() => rowsOf(model), [model.version]);
  if (model.startedAt === null || rows.length === 0) return <p className="muted">No attempts yet.</p>;
  const start = model.startedAt;
  const end = Math.max(model.endedAt ?? now, start + 1);
  const span = end - start;
  const left = (at: number): string => `${((Math.max(at, start) - start) / span) * 100}%`;
  const width = (from: number, to: number | null): string =>
    `${Math.max(((Math.min(to ?? end, end) - Math.max(from, start)) / span) * 100, 0.4)}%`;
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <div className="timeline" role="table" aria-label="attempts over time">
      <div className="timeline-axis" role="row">
        <span role="columnheader">step</span>
        <span role="columnheader" className="timeline-scale">
          <span>0</span>
          <span>{duration(span / 2)}</span>
          <span>{duration(span)}</span>
        </span>
      </div>
      {shown.map((row) => (
        <div className="timeline-row" role="row" key={row.key} data-row={row.key}>
          <button
            type="button"
            role="rowheader"
            className="timeline-label link"
            onClick={() => onSelect(row.step)}
            title={row.label}
          >
            {row.label}
          </button>
          <div className="timeline-lane" role="cell">
            {row.waits.map((wait, i) => (
              <span
                key={`w${i}`}
                className={`bar wait wait-${wait.kind}`}
                style={{ left: left(wait.from), width: width(wait.from, wait.to) }}
                title={`${wait.label} (${duration((wait.to ?? end) - wait.from)})`}
                aria-label={`waiting: ${wait.label}`}
              />
            ))}
            {row.attempts.map((attempt) => {
              const took = (attempt.endedAt ?? end) - attempt.startedAt;
              const text = `${attempt.id} on ${attempt.capability}: ${attempt.outcome}, ${duration(took)}${attempt.costUsd !== null ? `, ${usd(attempt.costUsd)}` : ''}${attempt.error?.message ? ` (${attempt.error.message})` : ''}`;
              return (
                <span
                  key={attempt.id}
                  tabIndex={0}
                  className={`bar attempt outcome-${attempt.outcome}`}
                  data-attempt={attempt.attempt}
                  data-outcome={attempt.outcome}
                  style={{ left: left(attempt.startedAt), width: width(attempt.startedAt, attempt.endedAt) }}
                  title={text}
                  aria-label={text}
                >
                  {attempt.attempt > 1 ? `#${attempt.attempt}` : ''}
                </span>
              );
            })}
          </div>
        </div>
      ))}
      {rows.length > MAX_ROWS && (
        <p className="muted">
          Showing the first {MAX_ROWS} of {rows.length} rows; the step list and each step's details have them all.
        </p>
      )}
      <div className="legend" aria-label="legend">
        <span>
          <i className="bar-swatch outcome-succeeded" /> succeeded
        </span>
        <span>
          <i className="bar-swatch outcome-failed" /> failed
        </span>
        <span>
          <i className="bar-swatch outcome-running" /> running
        </span>
        <span>
          <i className="bar-swatch wait-retry" /> waiting to retry
        </span>
        <span>
          <i className="bar-swatch wait-person" /> waiting for a person
        </span>
        <span>
          <i className="bar-swatch wait-signal" /> waiting for a signal
        </span>
      </div>
    </div>
  );
}
