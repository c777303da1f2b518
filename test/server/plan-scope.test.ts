import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';
import { expectError, PLANS, settledRun, startServer, storeSnapshot, submit, waitFor } from './harness.js';

/** A plan whose one step runs `touch FILE` on the server's machine. */
function touching(file: string): Plan {
  return {
    baton: 1,
    name: 'toucher',
    capabilities: { touch: { kind: 'command', command: ['touch', file], skills: { touch: 1 } } },
    steps: { touch: { skill: 'touch' } },
  };
}

/** PLANS.human revised: after the person's review, a command touches FILE (it never runs here: nobody reviews). */
function reviewThenTouch(file: string): Plan {
  return {
    ...PLANS.human,
    capabilities: {
      ...PLANS.human.capabilities,
      touch: { kind: 'command', command: ['touch', file], skills: { touch: 1 } },
    },
    steps: { ...PLANS.human.steps, touch: { skill: 'touch', after: ['review'] } },
  };
}

const REFUSED =
  /^plan "(toucher|human)" declares capabilities that act as the server's user, on its machine and network \(touch \(command\)\): to (submit|revise|revert to) it needs the admin scope; token:operate has operate\./;

describe('plans that run programs on the server need the admin scope, on every route that takes a plan', () => {
  it('submit: an operate token is a 403 that runs nothing and writes nothing; an admin token runs it', async () => {
    const s = await startServer();
    const file = join(tempDir(), 'touched');
    const before = await storeSnapshot(s.baton);
    const error = await expectError(
      await s.call('POST', '/v1/runs', { token: s.tokens.operate, body: { plan: touching(file) } }),
      403,
      'forbidden',
    );
    expect(error.message).toMatch(REFUSED);
    // The same plan as YAML text is the same plan.
    await expectError(
      await s.call('POST', '/v1/runs', {
        token: s.tokens.operate,
        body: {
          plan: `baton: 1\nname: toucher\ncapabilities:\n  touch: { kind: command, command: [touch, ${file}], skills: { touch: 1 } }\nsteps:\n  touch: { skill: touch }\n`,
        },
      }),
      403,
      'forbidden',
    );
    expect(await storeSnapshot(s.baton)).toBe(before);
    expect(existsSync(file)).toBe(false);

    const runId = await submit(s, touching(file));
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.status === 'succeeded',
    );
    expect(existsSync(file)).toBe(true);
    await s.baton.close();
  });

  it('revise: an operate token cannot add a command capability to a running run; admin can', async () => {
    const s = await startServer();
    const file = join(tempDir(), 'touched');
    const response = await s.call('POST', '/v1/runs', { token: s.tokens.operate, body: { plan: PLANS.human } });
    expect(response.status).toBe(201);
    const { runId } = (await response.json()) as { runId: string };
    await settledRun(s, runId);
    const before = await storeSnapshot(s.baton);
    const error = await expectError(
      await s.call('POST', `/v1/runs/${runId}/revisions`, {
        token: s.tokens.operate,
        body: { plan: reviewThenTouch(file) },
      }),
      403,
      'forbidden',
    );
    expect(error.message).toMatch(REFUSED);
    expect(await storeSnapshot(s.baton)).toBe(before);
    expect(
      (
        await s.call('POST', `/v1/runs/${runId}/revisions`, {
          token: s.tokens.admin,
          body: { plan: reviewThenTouch(file) },
        })
      ).status,
    ).toBe(202);
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.revisions.length === 2,
    );
    expect(existsSync(file)).toBe(false);
    await s.baton.close();
  });

  it('revert: an operate token cannot bring back a revision that declares a command capability; admin can', async () => {
    const s = await startServer();
    const file = join(tempDir(), 'touched');
    const runId = await submit(s, PLANS.human);
    await settledRun(s, runId);
    expect(
      (await s.call('POST', `/v1/runs/${runId}/revisions`, { body: { plan: reviewThenTouch(file) } })).status,
    ).toBe(202);
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.revisions.length === 2,
    );
    expect((await s.call('POST', `/v1/runs/${runId}/revert`, { body: { to: 1 } })).status).toBe(202);
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.revisions.length === 3,
    );
    const before = await storeSnapshot(s.baton);
    const error = await expectError(
      await s.call('POST', `/v1/runs/${runId}/revert`, { token: s.tokens.operate, body: { to: 2 } }),
      403,
      'forbidden',
    );
    expect(error.message).toMatch(REFUSED);
    expect(await storeSnapshot(s.baton)).toBe(before);
    expect((await s.call('POST', `/v1/runs/${runId}/revert`, { token: s.tokens.admin, body: { to: 2 } })).status).toBe(
      202,
    );
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.revisions.length === 4,
    );
    // Reverting to a revision without commands stays an operate command.
    expect(
      (await s.call('POST', `/v1/runs/${runId}/revert`, { token: s.tokens.operate, body: { to: 1 } })).status,
    ).toBe(202);
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.revisions.length === 5,
    );
    expect(existsSync(file)).toBe(false);
    await s.baton.close();
  });
});
