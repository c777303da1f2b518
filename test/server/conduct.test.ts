import { describe, expect, it } from 'vitest';
import { createBaton } from '../../src/engine/index.js';
import { expectError, PLANS, startServer, waitFor } from './harness.js';

describe('runs the server conducts', () => {
  it('takes over a run another process started and left waiting, when asked to resume it', async () => {
    const s = await startServer();
    // Another process on the same workspace (as `baton run` would be): it stops at the gate and exits.
    const other = await createBaton({
      home: (s.baton.store as unknown as { file: string }).file.replace(/\/baton\.db$/, ''),
    });
    other.register({ id: 'worker', skills: { work: 1 }, run: (input: unknown) => input });
    const handle = await other.submit(PLANS.gated, { runId: 'elsewhere' });
    expect((await handle.result()).status).toBe('waiting');
    await other.close();

    expect((await s.call('POST', '/v1/runs/elsewhere/resume', { token: s.tokens.operate })).status).toBe(202);
    expect(
      (await s.call('POST', '/v1/runs/elsewhere/approvals', { token: s.tokens.approve, body: { target: 'ship' } }))
        .status,
    ).toBe(202);
    const { state } = await waitFor(
      () => s.baton.getRun('elsewhere'),
      ({ state: run }) => run.status === 'succeeded',
      'the resumed run to succeed',
    );
    expect(state.steps.deploy?.output).toBe('d');
    const resumed = (await s.baton.events('elsewhere')).find((e) => e.type === 'run.resumed');
    expect(resumed?.data).toMatchObject({ by: 'token:operate' });
    await s.baton.close();
  });

  it('refuses with a 409 to conduct a run another live process conducts', async () => {
    const s = await startServer();
    const other = await createBaton({
      home: (s.baton.store as unknown as { file: string }).file.replace(/\/baton\.db$/, ''),
    });
    other.register({ id: 'worker', skills: { work: 1 }, run: (input: unknown) => input });
    const handle = await other.submit(PLANS.gated, { runId: 'held', wait: true });
    await waitFor(
      async () => handle.state.pending.size,
      (n) => n > 0,
    );
    const error = await expectError(
      await s.call('POST', '/v1/runs/held/resume', { token: s.tokens.operate }),
      409,
      'conflict',
    );
    expect(error.message).toMatch(/is being conducted by pid \d+/);
    // Approving works all the same: the approval goes to the ledger and that process takes it in.
    expect(
      (await s.call('POST', '/v1/runs/held/approvals', { token: s.tokens.approve, body: { target: 'ship' } })).status,
    ).toBe(202);
    expect((await handle.result()).status).toBe('succeeded');
    await other.close();
    await s.baton.close();
  });
});
