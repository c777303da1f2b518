import type { RunModel } from '../model/run-model.js';
import { StatusBadge } from './status-badge.js';

const MAX = 500;

/** The steps as a table: the graph's keyboard- and phone-friendly twin. */
export function StepList({
  model,
  selected,
  onSelect,
}: {
  model: RunModel;
  selected: string | null;
  onSelect(step: string): void;
}) {
  const steps = model.order.slice(0, MAX);
  return (
    <div className="table-wrap" tabIndex={0}>
      <table className="compact steps">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">Phase</th>
            <th scope="col">Capability</th>
            <th scope="col">Attempts</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((id) => {
            const step = model.steps.get(id);
            if (!step) return null;
            return (
              <tr key={id} className={id === selected ? 'selected' : ''}>
                <td>
                  <button type="button" className="link" onClick={() => onSelect(id)} aria-pressed={id === selected}>
                    {id}
                  </button>
                </td>
                <td>
                  <StatusBadge status={step.status} />
                </td>
                <td>{step.phase ?? '-'}</td>
                <td>{step.capability ?? '-'}</td>
                <td>
                  {step.attempts.length}
                  {step.items !== null ? ` (${step.accepted}/${step.items} items)` : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {model.order.length > MAX && (
        <p className="muted">
          Showing {MAX} of {model.order.length} steps; select one in the graph for the rest.
        </p>
      )}
    </div>
  );
}
