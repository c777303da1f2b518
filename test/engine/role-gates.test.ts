import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanError, type Plan } from '../../src/core/index.js';
import { createBaton, loadRegistryFile, type LoadedRegistry } from '../../src/engine/index.js';
import { pipelineState, replayLedger } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

async function registryWithGovernors(dir: string, members: string[]): Promise<LoadedRegistry> {
  const file = join(dir, 'baton.yaml');
  writeFileSync(file, `roles:\n  governor:\n    members: [${members.join(', ')}]\n`);
  return loadRegistryFile(file);
}

/** `work` runs, then `ship` waits behind a gate two governors must approve (or one overrides). */
const GOVERNED: Plan = {
  baton: 1,
  name: 'governed',
  phases: [
    'build',
    {
      id: 'ship',
      gate: { all: [{ approval: { count: 2, role: 'governor' } }], override: { approval_by: 'governor' } },
    },
  ],
  steps: { work: { skill: 'work', phase: 'build' }, deploy: { skill: 'work', phase: 'ship', after: ['work'] } },
};

async function governedRun(dir: string, members: string[]) {
  const baton = await createBaton({
    home: dir,
    principal: 'library:test',
    registry: await registryWithGovernors(dir, members),
  });
  baton.register({ id: 'worker', skills: { work: 1 }, run: async () => 'done' });
  const run = await baton.submit(GOVERNED, { runId: 'g1' });
  expect((await run.result()).status).toBe('waiting');
  return { baton, run };
}

describe('gates that ask for approvals by a role', () => {
  it('pins the role members into run.created, and counts only distinct members', async () => {
    const dir = tempDir();
    const { baton } = await governedRun(dir, ['alice', 'bob']);
    const [created] = await baton.events('g1');
    expect(created).toMatchObject({ type: 'run.created', data: { roleMembers: { governor: ['alice', 'bob'] } } });

    await expect(baton.approve('g1', 'ship', { by: 'carol' })).rejects.toThrow(
      'carol is not a member of governor, whose approval the gate of "ship" still needs (governor: alice, bob, as pinned when the run was created); ask a member to approve',
    );
    await baton.approve('g1', 'ship', { by: 'alice' });
    await expect(baton.approve('g1', 'ship', { by: 'alice' })).rejects.toThrow('alice has already approved');
    const waiting = pipelineState(await baton.events('g1')).pending[0];
    expect(waiting?.reason).toBe(
      'the gate of "ship" is waiting for approval: 1 of 2 approvals by members of governor (alice)',
    );
    await baton.approve('g1', 'ship', { by: 'bob' });
    const resumed = await baton.resume('g1');
    expect((await resumed.result()).status).toBe('succeeded');
    const events = await baton.events('g1');
    expect(events.filter((event) => event.type === 'decision.made').map((event) => event.data)).toEqual([
      expect.objectContaining({ id: 'gate:ship', verdict: 'approved', by: 'alice' }),
      expect.objectContaining({ id: 'gate:ship', verdict: 'approved', by: 'bob' }),
    ]);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    expect((await baton.verify('g1')).ok).toBe(true);
    await baton.close();
  });

  it('keeps the pinned members when the registry is edited after the run was created', async () => {
    const dir = tempDir();
    const { baton } = await governedRun(dir, ['alice', 'bob']);
    await baton.close();
    // The registry now makes carol a governor and drops alice: the run's gate still counts alice and bob.
    const edited = await createBaton({
      home: dir,
      principal: 'library:test',
      registry: await registryWithGovernors(dir, ['carol']),
    });
    edited.register({ id: 'worker', skills: { work: 1 }, run: async () => 'done' });
    await expect(edited.approve('g1', 'ship', { by: 'carol' })).rejects.toThrow('carol is not a member of governor');
    await edited.approve('g1', 'ship', { by: 'alice' });
    await edited.approve('g1', 'ship', { by: 'bob' });
    expect((await (await edited.resume('g1')).result()).status).toBe('succeeded');
    expect(replayLedger(await edited.events('g1'))).toMatchObject({ ok: true });
    await edited.close();
  });

  it('lets a member of the override role override, and refuses anyone else naming the role', async () => {
    const dir = tempDir();
    const { baton } = await governedRun(dir, ['alice', 'bob']);
    await expect(baton.override('g1', 'ship', 'urgent', { by: 'carol' })).rejects.toThrow(
      'carol may not override the gate of "ship": only members of governor may (its override.approval_by), and they are alice, bob (as pinned when the run was created)',
    );
    await baton.override('g1', 'ship', 'verified by hand', { by: 'bob' });
    expect((await (await baton.resume('g1')).result()).status).toBe('succeeded');
    await baton.close();
  });

  it('refuses, writing nothing, a gate naming a role that is unknown or has no members', async () => {
    const dir = tempDir();
    const baton = await createBaton({
      home: dir,
      principal: 'library:test',
      registry: await registryWithGovernors(dir, ['alice']),
    });
    baton.register({ id: 'worker', skills: { work: 1 }, run: async () => 'done' });
    const withRole = (role: string): Plan => ({
      ...GOVERNED,
      phases: ['build', { id: 'ship', gate: { all: [{ approval: { count: 1, role } }] } }],
    });
    const unknown = baton.submit(withRole('auditor'), { runId: 'u1' });
    await expect(unknown).rejects.toThrow(PlanError);
    await expect(unknown).rejects.toThrow(
      'the gate of "ship" names role "auditor", which is not a role of the workspace registry (roles: governor, operator, agent)',
    );
    await expect(baton.submit(withRole('operator'), { runId: 'u2' })).rejects.toThrow(
      'the gate of "ship" names role "operator", which has no members, so nobody could approve it; list them under roles.operator.members in baton.yaml',
    );
    expect(await baton.listRuns()).toEqual([]);
    await baton.close();
  });
});
