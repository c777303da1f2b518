import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { Json, RunArtifact } from '../api/types.js';
import { duration, time, usd } from '../format.js';
import type { Attempt, RunModel } from '../model/run-model.js';
import { JsonView } from './json-view.js';
import { StatusBadge } from './status-badge.js';

interface Candidate {
  capability: string;
  kind: string;
  strength: number | null;
  chosen: boolean;
  reason: string;
}

function Candidates({ routed }: { routed: Record<string, Json> | null }) {
  if (!routed) return <p className="muted">Not routed yet.</p>;
  const candidates = (routed.candidates as unknown as Candidate[] | undefined) ?? [];
  return (
    <>
      <p>
        Routed to <strong>{String(routed.capability)}</strong>
        {routed.skill ? (
          <>
            {' '}
            for skill <code>{String(routed.skill)}</code>
          </>
        ) : null}
        : {String(routed.reason)}
      </p>
      {candidates.length > 0 && (
        <div className="table-wrap" tabIndex={0}>
          <table className="compact">
            <caption className="sr-only">candidates weighed</caption>
            <thead>
              <tr>
                <th scope="col">Candidate</th>
                <th scope="col">Strength</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {candidates.map((candidate) => (
                <tr key={candidate.capability} className={candidate.chosen ? 'chosen' : 'excluded'}>
                  <td>
                    {candidate.chosen ? '✓ ' : ''}
                    {candidate.capability}
                    <div className="muted small">{candidate.kind}</div>
                  </td>
                  <td>{candidate.strength ?? '-'}</td>
                  <td>{candidate.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The fields a later capability kind may add to an outcome (tokens, cost, tool calls): shown when present, never invented. */
function Extra({ attempt }: { attempt: Attempt }) {
  const entries = Object.entries(attempt.extra).filter(([key]) => key !== 'artifacts' && key !== 'error');
  if (entries.length === 0) return null;
  return <JsonView value={Object.fromEntries(entries)} label={`more about ${attempt.id}`} />;
}

function AttemptCard({ attempt }: { attempt: Attempt }) {
  const took = attempt.endedAt === null ? null : attempt.endedAt - attempt.startedAt;
  return (
    <article className={`attempt-card outcome-${attempt.outcome}`} aria-label={`attempt ${attempt.id}`}>
      <header>
        <strong>{attempt.id}</strong> <StatusBadge status={attempt.outcome} />
        {attempt.role && <span className="pill">{attempt.role}</span>}
      </header>
      <dl className="facts">
        <dt>capability</dt>
        <dd>{attempt.capability}</dd>
        <dt>started</dt>
        <dd>{time(attempt.startedAt)}</dd>
        <dt>took</dt>
        <dd>{took === null ? 'running' : duration(took)}</dd>
        {attempt.costUsd !== null && (
          <>
            <dt>cost</dt>
            <dd>{usd(attempt.costUsd)}</dd>
          </>
        )}
        {attempt.by && (
          <>
            <dt>by</dt>
            <dd>{attempt.by}</dd>
          </>
        )}
        {attempt.retryAt !== null && (
          <>
            <dt>retry at</dt>
            <dd>{time(attempt.retryAt)}</dd>
          </>
        )}
      </dl>
      {attempt.error && (
        <div className="error-box">
          <strong>{attempt.error.type ?? 'error'}</strong>: <pre className="stderr">{attempt.error.message}</pre>
        </div>
      )}
      <details>
        <summary>input</summary>
        <JsonView value={attempt.input} label={`input of ${attempt.id}`} />
      </details>
      {attempt.outcome === 'succeeded' && (
        <details open={attempt.role === 'vote'}>
          <summary>output</summary>
          <JsonView value={attempt.output} label={`output of ${attempt.id}`} />
        </details>
      )}
      <Extra attempt={attempt} />
    </article>
  );
}

/** The votes of a consensus step, side by side, each with its capability and output. */
export function Votes({ votes }: { votes: { capability: string; output: Json }[] }) {
  return (
    <div className="votes" role="list" aria-label="votes">
      {votes.map((vote, i) => (
        <figure key={`${vote.capability}-${i}`} className="vote" role="listitem" data-capability={vote.capability}>
          <figcaption>{vote.capability}</figcaption>
          <JsonView value={vote.output} label={`vote of ${vote.capability}`} />
        </figure>
      ))}
    </div>
  );
}

const TERMINAL = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/** Cancels a step that has not ended, with a reason the ledger records (the `operate` scope). */
function CancelStep({ runId, stepId }: { runId: string; stepId: string }) {
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const cancel = async () => {
    setMessage(null);
    try {
      await api.cancelStep(runId, stepId, reason);
      setMessage('Cancellation recorded.');
    } catch (failure) {
      setMessage(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <div className="controls" role="group" aria-label={`cancel step ${stepId}`}>
      <input
        type="text"
        aria-label="Reason for cancelling (recorded in the ledger)"
        placeholder="reason"
        value={reason}
        onChange={(event) => setReason(event.target.value)}
      />
      <button type="button" className="danger" onClick={() => void cancel()}>
        Cancel step
      </button>
      {message && <p role="status">{message}</p>}
    </div>
  );
}

/** Everything about one step: state, routing with every candidate, attempts, votes, output, artifacts. */
export function StepPanel({
  runId,
  model,
  stepId,
  canAct,
  onClose,
}: {
  runId: string;
  model: RunModel;
  stepId: string;
  canAct: boolean;
  onClose(): void;
}) {
  const step = model.steps.get(stepId);
  const [artifacts, setArtifacts] = useState<RunArtifact[] | null>(null);
  const status = step?.status;
  useEffect(() => {
    let live = true;
    void api
      .artifacts(runId)
      .then(
        (answer) =>
          live &&
          setArtifacts(
            answer.artifacts.filter(
              (artifact) => artifact.attemptId.startsWith(`${stepId}/`) || artifact.name.startsWith(`${stepId}/`),
            ),
          ),
      )
      .catch(() => live && setArtifacts([]));
    return () => {
      live = false;
    };
  }, [runId, stepId, status]);
  if (!step) return null;
  const votes = step.attempts
    .filter((attempt) => attempt.role === 'vote' && attempt.outcome === 'succeeded')
    .map((attempt) => ({ capability: attempt.capability, output: attempt.output }));
  const spent = step.attempts.reduce((total, attempt) => total + (attempt.costUsd ?? 0), 0);
  return (
    <aside className="panel" aria-label={`step ${stepId}`}>
      <header className="panel-head">
        <h2>
          {stepId} <StatusBadge status={step.status} />
        </h2>
        <button type="button" onClick={onClose} aria-label="Close step details">
          ✕
        </button>
      </header>
      <dl className="facts">
        <dt>kind</dt>
        <dd>{step.kind}</dd>
        {step.phase && (
          <>
            <dt>phase</dt>
            <dd>{step.phase}</dd>
          </>
        )}
        <dt>after</dt>
        <dd>{step.after.length === 0 ? 'nothing' : step.after.join(', ')}</dd>
        <dt>attempts</dt>
        <dd>{step.attempts.length}</dd>
        <dt>cost</dt>
        <dd>{usd(spent)}</dd>
        {step.items !== null && (
          <>
            <dt>instances</dt>
            <dd>
              {step.accepted}/{step.items} done
            </dd>
          </>
        )}
      </dl>
      {step.error && <p className="error-box">{step.error}</p>}
      {canAct && model.endedAt === null && !TERMINAL.has(step.status) && <CancelStep runId={runId} stepId={stepId} />}
      <section>
        <h3>Routing</h3>
        <Candidates routed={step.routed} />
      </section>
      {votes.length > 0 && (
        <section>
          <h3>Votes</h3>
          <Votes votes={votes} />
        </section>
      )}
      {step.status === 'succeeded' && (
        <section>
          <h3>Output</h3>
          <JsonView value={step.output} label={`output of ${stepId}`} />
        </section>
      )}
      <section>
        <h3>Artifacts</h3>
        {artifacts === null ? (
          <p className="muted">…</p>
        ) : artifacts.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ul className="plain">
            {artifacts.map((artifact) => (
              <li key={artifact.sha256 + artifact.name}>
                <button
                  type="button"
                  className="link mono"
                  title={`sha256 ${artifact.sha256}`}
                  onClick={() =>
                    void api
                      .downloadArtifact(artifact.sha256, artifact.name)
                      .catch((failure: Error) => window.alert(failure.message))
                  }
                >
                  {artifact.name}
                </button>{' '}
                <span className="muted">{artifact.bytes} bytes</span>{' '}
                {artifact.sealed ? (
                  <span className="pill ok">sealed</span>
                ) : (
                  <span className="pill muted">not sealed</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h3>Attempts</h3>
        {step.attempts.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          [...step.attempts].reverse().map((attempt) => <AttemptCard key={attempt.id} attempt={attempt} />)
        )}
      </section>
    </aside>
  );
}
