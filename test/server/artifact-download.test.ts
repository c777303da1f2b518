import { chmodSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectError, PLANS, settledRun, startServer, submit } from './harness.js';

describe('GET /v1/artifacts/{sha256}', () => {
  it('does not serve an unsealed artifact changed on disk under its old digest: a 500 `integrity`, none of its bytes', async () => {
    const s = await startServer();
    const runId = await submit(s, PLANS.artifact);
    await settledRun(s, runId);
    const artifact = (await s.baton.getRun(runId)).state.artifacts.get('write/report.txt')!;
    expect(artifact.sealed).toBe(false);
    const served = await s.call('GET', `/v1/artifacts/${artifact.sha256}`, { token: s.tokens.read });
    expect(await served.text()).toBe('all good\n');

    const file = s.baton.artifacts.path(artifact.sha256);
    chmodSync(file, 0o644);
    writeFileSync(file, 'all bad!\n');
    const response = await s.call('GET', `/v1/artifacts/${artifact.sha256}`, { token: s.tokens.read });
    expect(response.headers.get('repr-digest')).toBeNull();
    const error = await expectError(response, 500, 'integrity');
    expect(error.message).toMatch(
      new RegExp(
        `^the stored content of artifact ${artifact.sha256} no longer matches its sha256 \\(it hashes to [0-9a-f]{64}\\); it is not served`,
      ),
    );
    expect(error.message).not.toContain('all bad');
    await s.baton.close();
  });
});
