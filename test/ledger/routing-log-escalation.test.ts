import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, renderRoutingLogMarkdown, routingLog } from '../../src/ledger/index.js';
import { governed, type Governed } from '../core/governed.js';

function chained(run: Governed): LedgerEvent[] {
  let head = EMPTY_HEAD;
  return run.log.map((event) => {
    const { at, runId: _runId, ...plain } = event;
    const [entry] = chainEvents('r1', head, [plain as never], at);
    head = { seq: entry!.seq, hash: entry!.hash };
    return entry!;
  });
}

const outcomeOf = (run: Governed, step: string): string | undefined =>
  routingLog(chained(run)).find((entry) => entry.step === step)?.outcome;

describe('routing log: an escalated step', () => {
  it('shows `escalated` (not `running`) while it waits for a person, `running` once approved, and its end', () => {
    const run = governed({ baton: 1, name: 'esc', steps: { a: { skill: 'work', on_failure: 'escalate' } } });
    run.fail('a/a1', 'boom', false);
    expect(run.pending()).toEqual(['escalation:a']);
    expect(outcomeOf(run, 'a')).toBe('escalated');
    expect(renderRoutingLogMarkdown('r1', routingLog(chained(run)))).toContain('**Outcome:** escalated');
    run.approve('escalation:a');
    expect(outcomeOf(run, 'a')).toBe('running');
    run.fail('a/a2', 'boom again', false);
    expect(outcomeOf(run, 'a')).toBe('escalated');
    run.deny('escalation:a', 'give up');
    expect(outcomeOf(run, 'a')).toBe('failed');
  });

  it('shows a step escalated before it was routed as escalated, and cancelled when the run is aborted', () => {
    const run = governed({
      baton: 1,
      name: 'esc',
      steps: { a: { skill: 'work', when: 'inputs.missing > 1' } },
      inputs: { missing: { type: 'object', default: {} } },
    });
    expect(outcomeOf(run, 'a')).toBe('escalated');
    run.signal({ type: 'run.abort_requested', data: { by: 'cli:alice', reason: 'enough' } });
    expect(run.state.status).toBe('aborted');
    expect(outcomeOf(run, 'a')).toBe('cancelled');
  });
});
