import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateGate, PlanError, type Plan } from '../../src/core/index.js';
import { createBaton, loadRegistryFile, type LoadedRegistry } from '../../src/engine/index.js';
import { replayLedger } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

/** A registry whose governors are `governors` and whose one command, `work`, prints ok. */
async function registryWith(dir: string, governors: string[]): Promise<LoadedRegistry> {
  const file = join(dir, 'baton.yaml');
  writeFileSync(
    file,
    [
      'capabilities:',
      '  work: { kind: command, command: [node, -e, "process.stdout.write(\'ok\')"], skills: { work: 1 } }',
      'roles:',
      `  governor: { members: [${governors.join(', ')}] }`,
      '  release-managers: { scopes: [read, operate], members: [erin] }',
      '',
    ].join('\n'),
  );
  return loadRegistryFile(file);
}

/** `build` then `ship`, whose gate needs two governors and a policy, overridable by the release managers. */
function shipping(policy: string): Plan {
  return {
    baton: 1,
    name: 'role-gated',
    phases: [
      'build',
      {
        id: 'ship',
        gate: {
          all: [{ approval: { count: 2, role: 'governor' } }, { policy }],
          override: { approval_by: 'release-managers' },
        },
      },
    ],
    steps: { build: { skill: 'work', phase: 'build' }, deploy: { skill: 'work', phase: 'ship', after: ['build'] } },
  };
}

describe('gates that count the members of a registry role', () => {
  it('pins the members in run.created, counts only them, and opens with two distinct members', async () => {
    const dir = tempDir();
    const baton = await createBaton({ home: dir, registry: await registryWith(dir, ['alice', 'bob']) });
    const run = await baton.submit(shipping('true'));
    expect(await run.result()).toMatchObject({ status: 'waiting' });

    await expect(baton.approve(run.runId, 'ship', { by: 'mallory' })).rejects.toThrow(
      'mallory is not a member of role governor, whose approval the gate of "ship" still needs (governor: alice, bob)',
    );
    await baton.approve(run.runId, 'ship', { by: 'alice' });
    await expect(baton.approve(run.runId, 'ship', { by: 'alice' })).rejects.toThrow('alice has already approved');
    const { state } = await baton.getRun(run.runId);
    const ship = state.phases.find((phase) => phase.id === 'ship');
    if (ship === undefined) throw new Error('no phase ship');
    expect(evaluateGate(state, ship)).toEqual({
      status: 'approval',
      reason: '1 of 2 approvals by role governor (alice)',
    });
    await baton.approve(run.runId, 'ship', { by: 'bob' });

    const resumed = await baton.resume(run.runId);
    expect(await resumed.result()).toMatchObject({ status: 'succeeded' });
    const events = await baton.events(run.runId);
    const created = events[0];
    if (created?.type !== 'run.created') throw new Error('no run.created');
    expect(created.data.roles).toEqual({ governor: ['alice', 'bob'], 'release-managers': ['erin'] });
    expect(
      events.filter((event) => event.type === 'decision.made').map((event) => (event.data as { by: string }).by),
    ).toEqual(['alice', 'bob']);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('keeps the members the run was admitted with when baton.yaml changes later', async () => {
    const dir = tempDir();
    const first = await createBaton({ home: dir, registry: await registryWith(dir, ['alice', 'bob']) });
    const run = await first.submit(shipping('true'));
    expect(await run.result()).toMatchObject({ status: 'waiting' });
    await first.close();

    // mallory is a governor now, for runs created from here on; this run pinned alice and bob.
    const second = await createBaton({ home: dir, registry: await registryWith(dir, ['mallory']) });
    await expect(second.approve(run.runId, 'ship', { by: 'mallory' })).rejects.toThrow(
      'mallory is not a member of role governor',
    );
    await second.approve(run.runId, 'ship', { by: 'bob' });
    await second.close();
  });

  it('keeps the pinned members through a plan revision, and refuses a revision naming a role the run did not pin', async () => {
    const dir = tempDir();
    const baton = await createBaton({ home: dir, registry: await registryWith(dir, ['alice', 'bob']) });
    const run = await baton.submit(shipping('true'));
    expect(await run.result()).toMatchObject({ status: 'waiting' });
    const revised = shipping('1 == 1');
    await baton.revise(run.runId, revised);
    const auditing: Plan = {
      ...revised,
      phases: ['build', { id: 'ship', gate: { all: [{ approval: { count: 1, role: 'auditors' } }] } }],
    };
    const before = (await baton.events(run.runId)).length;
    await expect(baton.revise(run.runId, auditing)).rejects.toThrow(
      `the revision's gates name role auditors, whose members run "${run.runId}" did not pin when it was created (it pinned governor, release-managers); a revision may name only those, or submit a new run`,
    );
    expect(await baton.events(run.runId)).toHaveLength(before);
    // The revision withdrew the gate's question; the conductor asks it again, under the pinned members.
    expect(await (await baton.resume(run.runId)).result()).toMatchObject({ status: 'waiting' });
    await expect(baton.approve(run.runId, 'ship', { by: 'mallory' })).rejects.toThrow(
      'mallory is not a member of role governor',
    );
    await baton.approve(run.runId, 'ship', { by: 'alice' });
    await baton.approve(run.runId, 'ship', { by: 'bob' });
    expect(await (await baton.resume(run.runId)).result()).toMatchObject({ status: 'succeeded' });
    expect(replayLedger(await baton.events(run.runId))).toMatchObject({ ok: true });
    await baton.close();
  });

  it("lets a closed gate through only by an override of the override role's members", async () => {
    const dir = tempDir();
    const baton = await createBaton({ home: dir, registry: await registryWith(dir, ['alice', 'bob']) });
    const run = await baton.submit(shipping('false'));
    expect(await run.result()).toMatchObject({ status: 'waiting' });
    await expect(baton.override(run.runId, 'ship', 'hotfix', { by: 'alice' })).rejects.toThrow(
      'alice may not override the gate of "ship": only the members of role release-managers (erin) may',
    );
    const event = await baton.override(run.runId, 'ship', 'hotfix checked by hand', { by: 'erin' });
    expect(event).toMatchObject({ type: 'decision.made', data: { verdict: 'overridden', by: 'erin' } });
    const resumed = await baton.resume(run.runId);
    expect(await resumed.result()).toMatchObject({ status: 'succeeded' });
    await baton.close();
  });

  it('refuses, writing nothing, a plan whose gate names a role without members or no registry at all', async () => {
    const dir = tempDir();
    const baton = await createBaton({ home: dir, registry: await registryWith(dir, []) });
    const refused = await baton.submit(shipping('true')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PlanError);
    expect(String((refused as Error).message)).toContain(
      'phases[1].gate: the gate names role "governor", which has no members in the workspace registry; list the principals who hold it under roles.governor.members',
    );
    expect(await baton.listRuns()).toEqual([]);
    await baton.close();

    const bare = await createBaton({ home: tempDir() });
    const plan: Plan = {
      ...shipping('true'),
      capabilities: { work: { kind: 'command', command: ['node', '-e', ''], skills: { work: 1 } } },
    };
    await expect(bare.submit(plan)).rejects.toThrow(
      'the gate names role "governor", which the workspace registry does not declare (there is no workspace registry',
    );
    await bare.close();
  });
});
