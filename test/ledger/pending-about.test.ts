import { describe, expect, it } from 'vitest';
import { pendingAboutSchema } from '../../src/core/index.js';
import { pendingWithAnswers } from '../../src/ledger/index.js';
import { given, plan } from '../core/given.js';

const PendingAboutSchema = pendingAboutSchema();

function viewsOf(run: ReturnType<typeof given>) {
  const views = pendingWithAnswers('r1', [...run.state.pending.values()], run.state);
  for (const view of views) if (view.about !== undefined) PendingAboutSchema.parse(view.about);
  return views;
}

describe('what a pending decision is about, typed by kind', () => {
  it("a person's task shows its input; a signal wait its signals", () => {
    const run = given(
      plan(
        { review: { skill: 'review', input: { draft: 'v1 notes' } }, go: { await: { signal: 'ship' } } },
        { capabilities: { alice: { kind: 'human', skills: { review: 1 } } } },
      ),
    );
    const byId = Object.fromEntries(viewsOf(run).map((view) => [view.id, view.about]));
    expect(byId['human:review']).toEqual({ kind: 'task', capability: 'alice', input: { draft: 'v1 notes' } });
    expect(byId['signal:go']).toEqual({ kind: 'signal', signals: ['ship'] });
  });

  it("an escalation shows its error, the step's attempts and instances", () => {
    const run = given(plan({ a: { on_failure: 'escalate' } }));
    run.fail('a/a1', 'disk full', false);
    const [view] = viewsOf(run);
    expect(view?.about).toEqual({
      kind: 'escalation',
      error: { type: 'exit_code', message: 'disk full', retryable: false },
      attempts: 1,
      instances: [
        {
          key: 'a',
          capability: 'fn',
          status: 'reported',
          error: { type: 'exit_code', message: 'disk full', retryable: false },
        },
      ],
    });
  });

  it('a plan waiting for approval shows its revision, hash and outline', () => {
    const run = given(
      plan({ a: {} }),
      {},
      { approval: { reason: 'drafted', outline: 'phase main\n  a  skill work -> fn' } },
    );
    const [view] = viewsOf(run);
    expect(view?.about).toEqual({
      kind: 'plan',
      revision: 1,
      planHash: 'h',
      outline: 'phase main\n  a  skill work -> fn',
    });
  });
});
