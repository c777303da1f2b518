import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaton, plan, type Baton } from '../../src/index.js';
import { loadRegistryFile, type LoadedRegistry } from '../../src/engine/index.js';
import { handoffs, pipelineState, replayLedger } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

/** `make` leaves an artifact; `use` runs after it and waits for a person's yes, so the run stays open. */
async function madeRun(registry?: LoadedRegistry): Promise<{ baton: Baton; runId: string; sha256: string }> {
  const baton = await createBaton({ home: tempDir(), principal: 'library:test', ...(registry && { registry }) });
  baton.register({
    id: 'maker',
    skills: { make: 1 },
    run: async (_input: unknown, context) => {
      await context.writeArtifact('out.txt', 'made');
      return 'ok';
    },
  });
  const run = await baton.submit(
    plan('made')
      .step('make', { skill: 'make' })
      .step('use', { skill: 'make', after: ['make'], confirm: true })
      .build(),
    { runId: 'h1' },
  );
  expect((await run.result()).status).toBe('waiting');
  const sha256 = run.state.artifacts.get('make/out.txt')?.sha256 as string;
  return { baton, runId: run.runId, sha256 };
}

const REQUEST = {
  from: { agent: 'maker-agent', step: 'make' },
  to: { agent: 'user-agent', step: 'use' },
  artifacts: ['make/out.txt'],
  reason: 'made it',
};

describe('Baton.requestHandoff', () => {
  it('does the five steps in order, each recorded with the principal, and the run still replays', async () => {
    const { baton, runId } = await madeRun();
    const before = (await baton.events(runId)).length;
    const report = await baton.requestHandoff(runId, REQUEST, { by: 'agent:orchestrator' });
    expect(report).toMatchObject({ ok: true, handoffId: 'handoff-1', failedAt: null });
    const added = (await baton.events(runId)).slice(before);
    expect(added.map((event) => [event.type, (event.data as { by?: string }).by])).toEqual([
      ['agent.status_reported', 'agent:orchestrator'],
      ['agent.routed', 'agent:orchestrator'],
      ['handoff.queued', 'agent:orchestrator'],
    ]);
    const events = await baton.events(runId);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    expect((await baton.verify(runId)).ok).toBe(true);
    expect(pipelineState(events).handoffs).toEqual([
      expect.objectContaining({ id: 'handoff-1', status: 'queued', from: REQUEST.from, to: REQUEST.to }),
    ]);
    await baton.close();
  });

  it('records the brief with the handoff, and refuses a bad brief before the first step, writing nothing', async () => {
    const { baton, runId } = await madeRun();
    const before = (await baton.events(runId)).length;
    await expect(
      baton.requestHandoff(runId, { ...REQUEST, completionCriteria: ['tests pass', ''] }, { by: 'agent:orchestrator' }),
    ).rejects.toMatchObject({
      code: 'bad_input',
      message: 'completionCriteria[1] is empty; give it as non-blank text',
    });
    expect(await baton.events(runId)).toHaveLength(before);
    const brief = { instruction: 'use it', completionCriteria: ['tests pass'], knownRisks: ['out.txt is tiny'] };
    expect(await baton.requestHandoff(runId, { ...REQUEST, ...brief })).toMatchObject({ ok: true });
    const events = await baton.events(runId);
    expect(events.at(-1)).toMatchObject({ type: 'handoff.queued', data: brief });
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('injects the receiving role’s constraints verbatim from the workspace registry; an unknown role writes nothing', async () => {
    const dir = tempDir();
    const constraints = '  Never merge.\nAsk before deleting anything.\n';
    writeFileSync(join(dir, 'baton.yaml'), `roles:\n  reviewer:\n    constraints: ${JSON.stringify(constraints)}\n`);
    const { baton, runId } = await madeRun(await loadRegistryFile(join(dir, 'baton.yaml')));
    const before = (await baton.events(runId)).length;
    await expect(
      baton.requestHandoff(runId, { ...REQUEST, to: { ...REQUEST.to, role: 'deployer' } }),
    ).rejects.toMatchObject({
      code: 'bad_input',
      message:
        'to.role "deployer" is not a role of the workspace registry (roles: reviewer); name one of them, or leave to.role out',
    });
    expect(await baton.events(runId)).toHaveLength(before);
    expect(await baton.requestHandoff(runId, { ...REQUEST, to: { ...REQUEST.to, role: 'reviewer' } })).toMatchObject({
      ok: true,
    });
    const events = await baton.events(runId);
    const queued = events.at(-1);
    expect(queued).toMatchObject({
      type: 'handoff.queued',
      data: { to: REQUEST.to, role: { name: 'reviewer', constraints } },
    });
    expect(handoffs(events).find((h) => h.kind === 'agent')).toMatchObject({ role: { name: 'reviewer', constraints } });
    expect(pipelineState(events).handoffs[0]).toMatchObject({ role: { name: 'reviewer', constraints } });
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('halts at the artifacts when a named artifact is unknown, or its content is gone from the store or changed, writing none of the handoff', async () => {
    const { baton, runId, sha256 } = await madeRun();
    const before = (await baton.events(runId)).length;
    const unknown = await baton.requestHandoff(runId, { ...REQUEST, artifacts: ['make/nope.txt'] });
    expect(unknown).toMatchObject({
      ok: false,
      failedAt: 'artifacts',
      error: 'artifact "make/nope.txt" in run "h1" (artifacts: make/out.txt) not found',
    });
    expect(unknown.steps.map((s) => s.status)).toEqual(['failed', 'not_run', 'not_run', 'not_run', 'not_run']);

    const stored = baton.artifacts.path(sha256);
    chmodSync(stored, 0o644);
    writeFileSync(stored, 'tampered');
    expect(await baton.requestHandoff(runId, REQUEST)).toMatchObject({
      failedAt: 'artifacts',
      error: `the content of artifact "make/out.txt" no longer matches its recorded sha256 ${sha256.slice(0, 12)}`,
    });
    rmSync(stored);
    expect(await baton.requestHandoff(runId, REQUEST)).toMatchObject({
      failedAt: 'artifacts',
      error: `the content of artifact "make/out.txt" (sha256 ${sha256.slice(0, 12)}) is missing from the workspace's artifact store`,
    });
    // Nothing of the handoff was written; the first halt was raised for a governor, once.
    expect(unknown.pending).toBe('handoff:1');
    const added = (await baton.events(runId)).slice(before);
    expect(added.map((event) => event.type)).toEqual(['handoff.halted']);
    await expect(baton.requestHandoff('nope', REQUEST)).rejects.toThrow('run "nope" not found');
    await baton.close();
  });

  it('raises a halted handoff as a pending decision for a governor: approving runs it again as the approver, denying closes it', async () => {
    const { baton, runId, sha256 } = await madeRun();
    const stored = baton.artifacts.path(sha256);
    chmodSync(stored, 0o644);
    writeFileSync(stored, 'tampered');
    const halted = await baton.requestHandoff(runId, REQUEST, { by: 'agent:maker' });
    expect(halted).toMatchObject({ ok: false, failedAt: 'artifacts', pending: 'handoff:1' });
    const { state } = await baton.getRun(runId);
    expect(state.pending.get('handoff:1')).toMatchObject({
      kind: 'handoff',
      step: 'use',
      reason: `the handoff of step "use" from maker-agent to user-agent halted at artifacts: the content of artifact "make/out.txt" no longer matches its recorded sha256 ${sha256.slice(0, 12)}; approve to run it again, deny to close it`,
    });
    // Asking again while it is pending raises no second question.
    expect(await baton.requestHandoff(runId, REQUEST, { by: 'agent:maker' })).toMatchObject({ pending: 'handoff:1' });

    // Approving while the cause stands refuses the approval; the question stays.
    await expect(baton.approve(runId, 'handoff:1', { by: 'gov:alice' })).rejects.toThrow(
      /^the handoff halted again at artifacts: .*; handoff:1 stays pending \(deny it to close it\)$/,
    );
    writeFileSync(stored, 'made');
    const approval = await baton.approve(runId, 'handoff:1', { by: 'gov:alice', comment: 'restored the file' });
    expect(approval).toMatchObject({
      type: 'decision.made',
      data: { id: 'handoff:1', verdict: 'approved', by: 'gov:alice' },
    });
    const events = await baton.events(runId);
    expect(events.filter((event) => event.type === 'handoff.queued').map((event) => event.data)).toEqual([
      expect.objectContaining({ id: 'handoff-1', to: REQUEST.to, by: 'gov:alice' }),
    ]);
    expect((await baton.getRun(runId)).state.pending.has('handoff:1')).toBe(false);

    // A second halt (another receiving agent), denied: closed, and the run goes on.
    const other = await baton.requestHandoff(runId, {
      ...REQUEST,
      to: { agent: 'other', step: 'use' },
      artifacts: ['make/nope.txt'],
    });
    expect(other.pending).toBe('handoff:2');
    await baton.deny(runId, 'handoff:2', { by: 'gov:alice', comment: 'not needed' });
    const after = await baton.getRun(runId);
    expect(after.state.pending.has('handoff:2')).toBe(false);
    expect(after.state.status).toBe('running');
    expect(replayLedger(await baton.events(runId))).toMatchObject({ ok: true });
    expect((await baton.verify(runId)).ok).toBe(true);
    await baton.close();
  });

  it('withdraws a halted handoff when its receiving step ends, so the run can finish', async () => {
    const { baton, runId } = await madeRun();
    const halted = await baton.requestHandoff(runId, { ...REQUEST, artifacts: ['make/nope.txt'] });
    expect(halted.pending).toBe('handoff:1');
    await baton.approve(runId, 'use');
    const resumed = await baton.resume(runId);
    expect(await resumed.result()).toMatchObject({ status: 'succeeded' });
    expect(resumed.state.pending.size).toBe(0);
    await baton.close();
  });

  it('checkPhaseTransition, reportStatus and recordRoute refuse what contradicts the run and record the default principal otherwise', async () => {
    const { baton, runId } = await madeRun();
    expect(await baton.checkPhaseTransition(runId, 'main')).toEqual({
      allowed: false,
      reason: '"main" is already open: a phase opens once; to redo work, revise or revert the plan',
    });
    await expect(baton.reportStatus(runId, { agent: 'a', step: 'use', status: 'done' })).rejects.toThrow(
      /^step "use" has not succeeded \(it is awaiting\)/,
    );
    const event = await baton.reportStatus(runId, { agent: 'a', step: 'use', status: 'blocked', note: 'needs a yes' });
    expect(event).toEqual({
      type: 'agent.status_reported',
      data: { agent: 'a', step: 'use', phase: null, status: 'blocked', note: 'needs a yes', by: 'library:test' },
    });
    await expect(baton.recordRoute(runId, { agent: 'a', step: 'make', to: 'b', reason: 'x' })).rejects.toThrow(
      'step "make" has already succeeded: there is no work left to route',
    );
    await baton.close();
  });
});
