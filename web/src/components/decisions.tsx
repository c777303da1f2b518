import { useState, type FormEvent } from 'react';
import { api } from '../api/client.js';
import type { DecisionEvidence, Json, Pending } from '../api/types.js';
import { time } from '../format.js';
import type { RunModel } from '../model/run-model.js';
import { JsonView } from './json-view.js';
import { Votes } from './step-panel.js';

type Verb = 'approve' | 'deny' | 'submit';

const VERB_LABEL: Record<Pending['kind'], Partial<Record<Verb, string>>> = {
  gate: { approve: 'Approve', deny: 'Deny' },
  confirm: { approve: 'Confirm', deny: 'Deny' },
  escalation: { approve: 'Retry', deny: 'Fail the step', submit: 'Submit an output' },
  human: { submit: 'Submit result' },
  signal: {},
  plan: { approve: 'Approve the plan', deny: 'Deny' },
  handoff: { approve: 'Run the handoff again', deny: 'Close it' },
};

/** What the decision is about, beside the buttons: the evidence a person decides on. */
function About({ pending, model }: { pending: Pending; model: RunModel }) {
  const request = model.decisions.get(pending.id);
  const detail = (request?.detail ?? null) as Record<string, Json> | null;
  if (pending.kind === 'gate') {
    const phase = model.phases.find((entry) => entry.id === pending.phase);
    const before = model.phases.slice(
      0,
      model.phases.findIndex((entry) => entry.id === pending.phase),
    );
    const done = [...model.steps.values()].filter((step) => before.some((entry) => entry.id === step.phase));
    return (
      <>
        <p className="muted">The gate of phase “{pending.phase}” requires:</p>
        <JsonView value={phase?.gate ?? null} label="gate requirements" />
        {done.length > 0 && (
          <ul className="checks" aria-label="what holds">
            {done.map((step) => (
              <li key={step.id} className={step.status === 'succeeded' ? 'holds' : 'fails'}>
                {step.status === 'succeeded' ? '✓' : '✗'} {step.id}: {step.status}
              </li>
            ))}
          </ul>
        )}
      </>
    );
  }
  if (pending.kind === 'escalation') {
    const step = pending.step ? model.steps.get(pending.step) : undefined;
    const failed = step?.attempts.filter((attempt) => attempt.outcome === 'failed') ?? [];
    const votes = Array.isArray(detail?.votes) ? (detail.votes as { capability: string; output: Json }[]) : null;
    return (
      <>
        {votes && <Votes votes={votes} />}
        {failed.length > 0 && (
          <ul className="plain">
            {failed.map((attempt) => (
              <li key={attempt.id}>
                <span className="mono">{attempt.id}</span> on {attempt.capability}:{' '}
                <span className="error">{attempt.error?.message ?? 'failed'}</span>
              </li>
            ))}
          </ul>
        )}
      </>
    );
  }
  if (pending.kind === 'plan')
    return (
      <>
        <p className="muted">Nothing runs until this plan is approved. Its outline and pre-flight:</p>
        <pre className="outline" aria-label="plan outline">
          {typeof detail?.outline === 'string' ? detail.outline : '(no outline recorded)'}
        </pre>
      </>
    );
  if (pending.kind === 'handoff')
    return (
      <>
        <p className="muted">
          A handoff between agents halted{typeof detail?.failedAt === 'string' ? ` at ${detail.failedAt}` : ''}.
          Approving runs it again, as you; denying closes it. The request:
        </p>
        <JsonView value={detail?.request ?? null} label="handoff request" />
      </>
    );
  if (pending.kind === 'human')
    return (
      <>
        <p className="muted">The task's input:</p>
        <JsonView value={detail?.input ?? null} label="task input" />
      </>
    );
  if (pending.kind === 'confirm')
    return (
      <p className="muted">
        Dispatch to <strong>{String(detail?.capability ?? '?')}</strong> needs a yes.
      </p>
    );
  if (pending.kind === 'signal')
    return (
      <p className="muted">
        Waiting for the signal {((detail?.signals as string[] | undefined) ?? []).join(', ')} (send it with{' '}
        <code>{pending.answers[0]}</code>).
      </p>
    );
  return null;
}

/**
 * What approving binds, as the server computed it from the run's state: the same digest the
 * approval records and `baton verify` later holds sealed artifacts to. Hashes in full.
 */
function Binds({ evidence }: { evidence: DecisionEvidence }) {
  return (
    <details className="evidence" open>
      <summary>Approving binds</summary>
      <ul className="plain mono" aria-label="what approving binds">
        <li>
          plan revision {evidence.revision} sha256 {evidence.planHash}
        </li>
        {evidence.artifacts.map((artifact) => (
          <li key={artifact.name}>
            artifact {artifact.name}{' '}
            {artifact.sha256 === null
              ? 'missing'
              : `sha256 ${artifact.sha256} ${artifact.sealed ? 'sealed' : 'not sealed (not enforced by verify)'}`}
          </li>
        ))}
        {evidence.checks.map((check) => (
          <li key={check.step} className={check.passed ? 'holds' : 'fails'}>
            check {check.step}{' '}
            {check.passed ? `passed, output sha256 ${check.outputHash ?? '-'}` : `not passed (${check.status})`}
          </li>
        ))}
        {(evidence.votes ?? []).map((vote) => (
          <li key={vote.capability}>
            vote {vote.capability} output sha256 {vote.outputHash}
          </li>
        ))}
      </ul>
    </details>
  );
}

function DecisionCard({
  runId,
  pending,
  model,
  canAct,
  onDone,
}: {
  runId: string;
  pending: Pending;
  model: RunModel;
  canAct: boolean;
  onDone(): void;
}) {
  const [comment, setComment] = useState('');
  const [output, setOutput] = useState('{}');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const verbs = VERB_LABEL[pending.kind];
  const act = async (verb: Verb, event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (verb === 'approve') await api.approve(runId, pending.id, comment);
      else if (verb === 'deny') await api.deny(runId, pending.id, comment);
      else {
        let value: Json;
        try {
          value = JSON.parse(output) as Json;
        } catch (failure) {
          throw new Error(`the output must be JSON: ${(failure as Error).message}`);
        }
        await api.submitResult(runId, pending.id.slice(pending.id.indexOf(':') + 1), value);
      }
      onDone();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  const id = `decision-${pending.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <article
      className={`decision-card kind-${pending.kind}`}
      aria-labelledby={`${id}-title`}
      data-decision={pending.id}
    >
      <header>
        <h3 id={`${id}-title`}>
          <span className="pill decision">{pending.kind}</span> {pending.step ?? pending.phase}
        </h3>
        <span className="muted">since {time(pending.since)}</span>
      </header>
      <p>{pending.reason}</p>
      <About pending={pending} model={model} />
      {pending.evidence && <Binds evidence={pending.evidence} />}
      {canAct ? (
        <form className="decision-form" onSubmit={(event) => void act(verbs.approve ? 'approve' : 'submit', event)}>
          {verbs.submit && (
            <label className="block">
              <span className="label">Output (JSON)</span>
              <textarea value={output} onChange={(event) => setOutput(event.target.value)} rows={3} className="mono" />
            </label>
          )}
          {(verbs.approve || verbs.deny) && (
            <label className="block">
              <span className="label">Comment (recorded in the ledger)</span>
              <input
                type="text"
                value={comment}
                onChange={(event) => setComment(event.target.value)}
                placeholder="why"
              />
            </label>
          )}
          <div className="actions">
            {verbs.approve && (
              <button type="button" className="primary" disabled={busy} onClick={() => void act('approve')}>
                {verbs.approve}
              </button>
            )}
            {verbs.deny && (
              <button type="button" className="danger" disabled={busy} onClick={() => void act('deny')}>
                {verbs.deny}
              </button>
            )}
            {verbs.submit && (
              <button type="button" disabled={busy} onClick={() => void act('submit')}>
                {verbs.submit}
              </button>
            )}
          </div>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </form>
      ) : (
        <p className="muted">
          Sign in with a token that has the {pending.kind === 'human' ? 'perform' : 'approve'} scope to answer it, or
          run <code>{pending.answers[0]}</code>.
        </p>
      )}
    </article>
  );
}

/** A run with thousands of waits (a wide fan-out of signals) shows them a page at a time. */
const MAX_CARDS = 10;

/** Decisions first: what waits for a person, with what it is about and the buttons that answer it. */
export function Decisions({
  runId,
  pending,
  model,
  canAct,
  onDone,
}: {
  runId: string;
  pending: Pending[];
  model: RunModel;
  canAct: boolean;
  onDone(): void;
}) {
  const [shown, setShown] = useState(MAX_CARDS);
  if (pending.length === 0) return null;
  return (
    <section className="decisions" aria-label="pending decisions">
      <h2>Waiting for you ({pending.length})</h2>
      {pending.slice(0, shown).map((entry) => (
        <DecisionCard key={entry.id} runId={runId} pending={entry} model={model} canAct={canAct} onDone={onDone} />
      ))}
      {pending.length > shown && (
        <button type="button" className="more" onClick={() => setShown(shown + MAX_CARDS)}>
          Show {Math.min(MAX_CARDS, pending.length - shown)} more of {pending.length - shown}
        </button>
      )}
    </section>
  );
}

/** Every answer and operator act, as the ledger recorded it: who, what, why. */
export function Activity({ model }: { model: RunModel }) {
  const answered = [...model.decisions.values()].filter((request) => request.answer !== null);
  const rows = [
    ...answered.map((request) => ({
      seq: request.answer!.seq,
      at: request.answer!.at,
      what: `${request.answer!.verdict} ${request.id}`,
      by: request.answer!.by,
      why: request.answer!.comment ?? '',
      verdict: request.answer!.verdict,
    })),
    ...model.acts.map((act) => ({
      seq: act.seq,
      at: act.at,
      what: act.type,
      by: act.by,
      why: act.detail,
      verdict: '',
    })),
  ].sort((a, b) => a.seq - b.seq);
  if (rows.length === 0) return null;
  return (
    <section aria-label="decisions and acts">
      <h2>Decisions and acts</h2>
      <div className="table-wrap" tabIndex={0}>
        <table className="compact acts">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.seq} data-seq={row.seq} className={row.verdict ? `verdict-${row.verdict}` : ''}>
                <td className="mono">{row.seq}</td>
                <td className="nowrap">{time(row.at)}</td>
                <td>{row.what}</td>
                <td className="mono">{row.by}</td>
                <td>{row.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
