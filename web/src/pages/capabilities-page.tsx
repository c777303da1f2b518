import { useState } from 'react';
import { api } from '../api/client.js';
import type { CapabilityRegistry } from '../api/types.js';
import { usePoll } from '../components/poll.js';
import { duration, time, usd } from '../format.js';

/** The registry: what each capability offers, what it costs and how it has fared in recent runs. */
export function CapabilitiesPage() {
  const [registry, setRegistry] = useState<CapabilityRegistry | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePoll(
    async () => {
      try {
        setRegistry(await api.capabilities());
        setError(null);
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    },
    5_000,
    [],
  );
  return (
    <main className="page">
      <div className="page-head">
        <h1>Capabilities</h1>
        {registry && (
          <p className="muted">
            Health as the ledgers of the newest {registry.runsRead} runs show it
            {registry.unverified.length > 0
              ? `; ${registry.unverified.length} runs left out (their ledger fails verification)`
              : ''}
            .
          </p>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {registry && registry.capabilities.length === 0 && (
        <p className="empty">
          No capabilities yet: they come from functions registered in the server and the plans of recent runs.
        </p>
      )}
      {registry && registry.capabilities.length > 0 && (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Capability</th>
                <th scope="col">Kind</th>
                <th scope="col">Skills</th>
                <th scope="col">Cost per attempt</th>
                <th scope="col">Timeout</th>
                <th scope="col">Health</th>
                <th scope="col">Outcomes</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {registry.capabilities.map(({ descriptor, health, source }) => (
                <tr key={descriptor.id}>
                  <td>
                    <strong>{descriptor.id}</strong>
                    {descriptor.description && <div className="muted small">{descriptor.description}</div>}
                    <div className="muted small">
                      {source === 'registered' ? 'registered in the server' : 'declared by a plan'}
                    </div>
                  </td>
                  <td>{descriptor.kind}</td>
                  <td>
                    {Object.entries(descriptor.skills).map(([skill, strength]) => (
                      <span key={skill} className="pill">
                        {skill} {strength}
                      </span>
                    ))}
                  </td>
                  <td>{descriptor.costUsd === undefined ? 'free' : usd(descriptor.costUsd)}</td>
                  <td>{descriptor.timeoutMs === undefined ? '-' : duration(descriptor.timeoutMs)}</td>
                  <td>
                    <span className={`badge health-${health.status}`}>{health.status}</span>
                  </td>
                  <td>
                    {health.succeeded} ok · {health.failed} failed
                    {health.lastOutcomeAt ? <div className="muted small">last {time(health.lastOutcomeAt)}</div> : null}
                  </td>
                  <td className="small">
                    {health.lastError ? `${health.lastError.message} (run ${health.lastError.runId})` : '-'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
