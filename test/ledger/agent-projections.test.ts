import { describe, expect, it } from 'vitest';
import { queueHandoff, recordRoute, reportStatus, type LedgerEvent } from '../../src/core/index.js';
import {
  chainEvents,
  EMPTY_HEAD,
  handoffs,
  pipelineState,
  renderPipelineStateMarkdown,
  renderRoutingLogMarkdown,
  replayLedger,
  routingLog,
} from '../../src/ledger/index.js';
import { BY, governed, type Governed } from '../core/governed.js';

const ARTIFACT = { name: 'build/app.txt', sha256: 'b'.repeat(64), bytes: 3 };

function chained(run: Governed): LedgerEvent[] {
  let head = EMPTY_HEAD;
  return run.log.map((event) => {
    const { at, runId: _runId, ...plain } = event;
    const [entry] = chainEvents('r1', head, [plain as never], at);
    head = { seq: entry!.seq, hash: entry!.hash };
    return entry!;
  });
}

/** A run where agents report, route and hand work on, as the MCP tools record it. */
function agentsAtWork(): Governed {
  const run = governed({
    baton: 1,
    name: 'agents',
    steps: { build: { skill: 'work' }, review: { skill: 'work', after: ['build'], confirm: true } },
  });
  run.signal({
    type: 'attempt.succeeded',
    data: { attemptId: 'build/a1', output: 'ok', durationMs: 1, artifacts: [ARTIFACT] },
  });
  run.signal(reportStatus(run.state, { agent: 'builder', step: 'build', status: 'done', note: 'green' }, BY));
  run.signal(
    recordRoute(
      run.state,
      {
        agent: 'lead',
        step: 'review',
        to: 'alice',
        reason: 'she wrote it',
        candidates: [
          { name: 'alice', score: 0.9 },
          { name: 'bob', score: 0.2 },
        ],
      },
      BY,
    ),
  );
  run.signal(
    queueHandoff(
      run.state,
      {
        from: { agent: 'builder', step: 'build' },
        to: { agent: 'alice', step: 'review' },
        artifacts: ['build/app.txt'],
        reason: 'ready for review',
      },
      [ARTIFACT],
      BY,
    ),
  );
  run.signal(reportStatus(run.state, { agent: 'alice', step: 'review', status: 'working' }, BY));
  return run;
}

describe('projections of what agents recorded', () => {
  it('the pipeline state lists the latest report per step and the handoffs, and the recent routing names them', () => {
    const events = chained(agentsAtWork());
    expect(replayLedger(events)).toMatchObject({ ok: true });
    const view = pipelineState(events);
    expect(view.reports.map((r) => [r.step, r.agent, r.status])).toEqual([
      ['build', 'builder', 'done'],
      ['review', 'alice', 'working'],
    ]);
    expect(view.handoffs).toEqual([
      expect.objectContaining({
        id: 'handoff-1',
        status: 'accepted',
        to: { agent: 'alice', step: 'review' },
        artifacts: [ARTIFACT],
      }),
    ]);
    expect(view.recentRouting.map((r) => r.summary)).toContain(
      'handoff-1 queued: builder (build) → alice (review): ready for review',
    );
    expect(view.recentRouting.map((r) => r.summary)).toContain('agent lead routed step "review" → alice: she wrote it');
    const markdown = renderPipelineStateMarkdown(view);
    expect(markdown).toContain('## Agent reports (latest per step or phase)');
    expect(markdown).toContain('| step `review` | alice | working |  | cli:alice |');
    expect(markdown).toContain(
      `| \`handoff-1\` | builder (\`build\`) | alice (\`review\`) | \`build/app.txt\` ${'b'.repeat(12)} | accepted`,
    );
  });

  it('a run no agent touched renders no agent sections', () => {
    const run = governed({ baton: 1, name: 'plain', steps: { a: { skill: 'work' } } });
    run.succeed('a/a1');
    const markdown = renderPipelineStateMarkdown(pipelineState(chained(run)));
    expect(markdown).not.toContain('Agent reports');
    expect(markdown).not.toContain('Handoffs between agents');
  });

  it('the handoffs projection shows the agent handoff queued, then in progress at the receiving agent’s report', () => {
    const events = chained(agentsAtWork());
    const agent = handoffs(events).filter((h) => h.kind === 'agent');
    const report = events.findLast((e) => e.type === 'agent.status_reported');
    expect(agent).toEqual([
      expect.objectContaining({
        kind: 'agent',
        id: 'handoff-1',
        from: { agent: 'builder', step: 'build' },
        to: { agent: 'alice', step: 'review' },
        status: 'in_progress',
        acceptedSeq: report?.seq,
        statusSeq: report?.seq,
        by: BY,
      }),
    ]);
    // Given without a brief, the handoff records none (as ledgers written before briefs existed).
    expect(agent[0]).not.toHaveProperty('instruction');
    expect(agent[0]).not.toHaveProperty('completionCriteria');
    expect(agent[0]).not.toHaveProperty('knownRisks');
    const beforeReport = events.filter((e) => e.seq < (report?.seq ?? 0));
    expect(handoffs(beforeReport).find((h) => h.kind === 'agent')).toMatchObject({
      status: 'queued',
      acceptedSeq: null,
    });
  });

  it('the handoff follows its receiving step to done when the step succeeds', () => {
    const run = agentsAtWork();
    run.approve(run.pending()[0] as string);
    const [attempt] = run.inflight();
    run.succeed(attempt as string, 'reviewed');
    const events = chained(run);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    const succeeded = events.find((e) => e.type === 'step.succeeded' && e.data.step === 'review');
    expect(handoffs(events).find((h) => h.kind === 'agent')).toMatchObject({
      status: 'done',
      statusSeq: succeeded?.seq,
    });
  });

  it('the handoff is failed when its receiving step fails, and closed when the run ends with the step unfinished', () => {
    const failing = agentsAtWork();
    failing.approve(failing.pending()[0] as string);
    failing.fail(failing.inflight()[0] as string, 'no', false);
    const failedEvents = chained(failing);
    const stepFailed = failedEvents.find((e) => e.type === 'step.failed');
    expect(handoffs(failedEvents).find((h) => h.kind === 'agent')).toMatchObject({
      status: 'failed',
      statusSeq: stepFailed?.seq,
    });

    const aborted = agentsAtWork();
    aborted.signal({ type: 'run.abort_requested', data: { by: BY, reason: 'called off' } });
    const abortedEvents = chained(aborted);
    const ended = abortedEvents.find((e) => e.type === 'run.aborted');
    expect(ended).toBeDefined();
    expect(handoffs(abortedEvents).find((h) => h.kind === 'agent')).toMatchObject({
      status: 'closed',
      statusSeq: ended?.seq,
    });
  });

  it('a handoff with a brief records it trimmed, and the fold and both projections show it', () => {
    const run = governed({
      baton: 1,
      name: 'brief',
      steps: { build: { skill: 'work' }, review: { skill: 'work', after: ['build'], confirm: true } },
    });
    run.succeed('build/a1');
    run.signal(
      queueHandoff(
        run.state,
        {
          from: { agent: 'builder', step: 'build' },
          to: { agent: 'alice', step: 'review' },
          artifacts: [],
          reason: 'ready',
          instruction: '  check the changelog  ',
          completionCriteria: [' every entry has a link '],
          knownRisks: ['the links may be stale'],
        },
        [],
        BY,
      ),
    );
    const brief = {
      instruction: 'check the changelog',
      completionCriteria: ['every entry has a link'],
      knownRisks: ['the links may be stale'],
    };
    expect(run.state.handoffs[0]).toMatchObject(brief);
    run.expectFixpoint();
    const events = chained(run);
    expect(events.find((e) => e.type === 'handoff.queued')?.data).toMatchObject(brief);
    expect(handoffs(events).find((h) => h.kind === 'agent')).toMatchObject({ ...brief, status: 'queued' });
    expect(pipelineState(events).handoffs[0]).toMatchObject(brief);
    expect(renderPipelineStateMarkdown(pipelineState(events))).toContain(
      '**`handoff-1` brief**\n\n- instruction: check the changelog\n- done when: every entry has a link\n- known risk: the links may be stale',
    );
  });

  it('the routing log keeps agents’ routes with the step, before and after the conductor routes it', () => {
    const run = governed({
      baton: 1,
      name: 'early',
      steps: { build: { skill: 'work' }, review: { skill: 'work', after: ['build'] } },
    });
    run.signal(recordRoute(run.state, { agent: 'lead', step: 'review', to: 'alice', reason: 'early call' }, BY));
    const early = routingLog(chained(run)).find((entry) => entry.step === 'review');
    expect(early).toMatchObject({
      capability: null,
      outcome: 'waiting',
      reason: 'not routed by the conductor yet',
      reported: [{ agent: 'lead', to: 'alice', reason: 'early call', candidates: [], by: BY }],
    });
    run.succeed('build/a1');
    const routed = routingLog(chained(run)).find((entry) => entry.step === 'review');
    expect(routed).toMatchObject({ capability: 'fn', outcome: 'running', reported: [{ agent: 'lead', to: 'alice' }] });
    const markdown = renderRoutingLogMarkdown('r1', routingLog(chained(run)));
    expect(markdown).toContain('## `review` → fn (skill `work`)');
    expect(markdown).toContain('Routing recorded by agents:');
    expect(markdown).toMatch(/- #\d+ \S+ lead → \*\*alice\*\*: early call \(recorded by cli:alice\)/);
  });
});
