import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaton } from '../../src/engine/index.js';
import { baton } from './cli.js';
import { appendForeignDecision } from '../support/diverge.js';
import { tempDir } from '../support/temp.js';

const PLAN = `baton: 1
name: signal
capabilities:
  echo: { kind: command, command: [node, -e, "process.stdout.write('1')"], skills: { work: 1 } }
steps:
  go: { await: { signal: go } }
  after: { skill: work, after: [go] }
`;

describe('baton resume of a run this version of Baton would have decided differently', () => {
  it('exits 1 naming the divergent event and writes nothing; --accept-divergence --reason records who and why and goes on', async () => {
    const home = tempDir();
    const plan = join(tempDir(), 'signal.yaml');
    writeFileSync(plan, PLAN);
    expect(baton(['run', plan, '--run-id', 'd1'], { home }).code).toBe(4);
    const library = await createBaton({ home });
    const seq = await appendForeignDecision(library.store, 'd1', 'after', Date.now());
    await library.close();

    const refused = baton(['resume', 'd1'], { home });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(`at seq ${seq} its ledger records step.skipped after`);
    const noReason = baton(['resume', 'd1', '--accept-divergence'], { home });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--accept-divergence needs --reason');
    const untouched = await createBaton({ home });
    expect((await untouched.store.getRun('d1'))?.headSeq).toBe(seq);
    await untouched.close();

    expect(baton(['signal', 'd1', 'go'], { home }).code).toBe(0);
    const accepted = baton(
      ['resume', 'd1', '--accept-divergence', '--reason', 'reviewed the upgrade', '--by', 'alice'],
      {
        home,
      },
    );
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`decided seq ${seq} differently`);
    const after = await createBaton({ home });
    const events = await after.events('d1');
    expect(events.find((event) => event.type === 'run.divergence_accepted')?.data).toMatchObject({
      seq,
      by: 'alice',
      reason: 'reviewed the upgrade',
    });
    await after.close();
  });
});
