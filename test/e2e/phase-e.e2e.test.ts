import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, type CliResult } from './cli.js';
import { connect, ok, refused } from './mcp-client.js';

const CONTROL_PLANE = 'examples/governance/phase-e/control-plane.yaml';
const DESIGN = 'examples/governance/phase-e/design.yaml';
/** The workspace registry whose governors (alice, bob) the design's gate counts. */
const REGISTRY = ['--registry', 'examples/governance/phase-e/baton.yaml'];
const CP_21 = '# CP-21\nThe control plane keeps one ledger per run; gates compose.\n';
const DESIGN_MD = '# Phase E design\nBuilt on CP-21.\n';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

/** The ledger rows of one run (optionally of one type), read straight from the workspace's SQLite file. */
function rows(
  home: string,
  runId: string,
  type?: string,
): { seq: number; type: string; hash: string; data: Record<string, unknown> }[] {
  const db = new Database(join(home, 'baton.db'), { readonly: true });
  try {
    const found = db
      .prepare(`SELECT seq, type, hash, data FROM events WHERE run_id = ? ${type ? 'AND type = ?' : ''} ORDER BY seq`)
      .all(...(type ? [runId, type] : [runId])) as { seq: number; type: string; hash: string; data: string }[];
    return found.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

/** Overwrites a stored artifact in place, as someone with access to the workspace could. */
function tamper(home: string, text: string, replacement: string): void {
  const stored = join(home, 'artifacts', 'sha256', sha256(text).slice(0, 2), sha256(text));
  chmodSync(stored, 0o644);
  writeFileSync(stored, replacement);
}

describe('Phase E: gates that compose, cannot be overridden, and require another run', () => {
  it('runs the scenario end to end: pre-flight, two distinct governors, evidence, CP-21, no override, perform without approve, verify', async () => {
    const home = tempDir();

    // Without a control-plane run, pre-flight refuses the design run and writes nothing.
    const early = baton(['run', DESIGN, ...REGISTRY, '--run-id', 'design-0'], { home });
    expectCode(early, 2);
    expect(early.stderr).toContain(
      'pre-flight: the gate of "publish" requires record/CP-21.md of run control-plane@latest: there is no run of the plan named "control-plane"; nothing was written',
    );
    expect(rows(home, 'design-0')).toEqual([]);

    // The control plane seals CP-21.
    expectCode(baton(['run', CONTROL_PLANE, '--run-id', 'cp-21'], { home }), 0);
    expect(rows(home, 'cp-21', 'step.sealed').map((row) => row.data)).toEqual([
      { step: 'record', artifacts: [expect.objectContaining({ name: 'record/CP-21.md', sha256: sha256(CP_21) })] },
    ]);
    const cpHead = rows(home, 'cp-21').at(-1)?.hash;

    // The design run passes pre-flight, records what it found, and waits for the review (a person's task).
    const run = baton(['run', DESIGN, ...REGISTRY, '--run-id', 'design-1'], { home });
    expectCode(run, 4);
    // The governors are pinned in the run as the registry has them now.
    expect(rows(home, 'design-1', 'run.created')[0]?.data.roles).toEqual({ governor: ['alice', 'bob'] });
    const preflight = {
      phase: 'publish',
      run: 'control-plane@latest',
      artifact: 'record/CP-21.md',
      ok: true,
      runId: 'cp-21',
      sha256: sha256(CP_21),
    };
    expect(rows(home, 'design-1', 'prerequisite.checked').map((row) => row.data)).toEqual([
      expect.objectContaining({ ...preflight, stage: 'preflight', headHash: cpHead }),
    ]);
    expect(
      rows(home, 'design-1')
        .slice(0, 2)
        .map((row) => row.type),
    ).toEqual(['run.created', 'prerequisite.checked']);

    // An agent with only the perform scope does the review, but cannot approve the gate.
    const agent = await connect(home, ['--by', 'agent-7', '--scope', 'read,perform']);
    await ok(agent.client, 'submit_result', { runId: 'design-1', step: 'review', output: { verdict: 'approved' } });
    expectCode(baton(['resume', 'design-1'], { home }), 4);
    expect(await refused(agent.client, 'approve', { runId: 'design-1', target: 'publish' })).toMatch(
      /^forbidden: the tool approve needs the "approve" scope, which this MCP session does not have \(it has: read, perform\)/,
    );
    await agent.client.close();
    expect(rows(home, 'design-1', 'attempt.succeeded').map((row) => row.data)).toContainEqual(
      expect.objectContaining({ output: { verdict: 'approved' }, by: 'agent-7' }),
    );
    expect(rows(home, 'design-1', 'decision.made')).toEqual([]);

    // The phase before is done: the engine checked CP-21 again at the gate, and the gate waits for two people.
    expect(rows(home, 'design-1', 'prerequisite.checked').map((row) => row.data)).toEqual([
      expect.objectContaining({ ...preflight, stage: 'preflight' }),
      expect.objectContaining({ ...preflight, stage: 'gate' }),
    ]);
    expect(rows(home, 'design-1', 'phase.transition_denied').map((row) => row.data.reason)).toEqual([
      'the gate of "publish" is waiting for approval: 0 of 2 approvals by role governor',
    ]);

    // carol is no governor: her approval is refused, naming the role, and writes nothing.
    const outsider = baton(['approve', 'design-1', 'publish', '--by', 'carol'], { home });
    expectCode(outsider, 2);
    expect(outsider.stderr).toContain(
      'carol is not a member of role governor, whose approval the gate of "publish" still needs (governor: alice, bob)',
    );
    expect(rows(home, 'design-1', 'decision.made')).toEqual([]);

    expectCode(baton(['approve', 'design-1', 'publish', '--by', 'alice', '--comment', 'design read'], { home }), 0);
    const status = baton(['status', 'design-1', '--json'], { home });
    expectCode(status, 0);
    expect((JSON.parse(status.stdout) as { pending: { id: string; reason: string }[] }).pending).toMatchObject([
      {
        id: 'gate:publish',
        reason: 'the gate of "publish" is waiting for approval: 1 of 2 approvals by role governor (alice)',
      },
    ]);

    // The same person twice does not count; an override is refused (override: never). Neither writes anything.
    const seqBefore = rows(home, 'design-1').length;
    const twice = baton(['approve', 'design-1', 'publish', '--by', 'alice'], { home });
    expectCode(twice, 2);
    expect(twice.stderr).toContain(
      'alice has already approved the gate of "publish" (1 of 2 approvals: alice); it needs 2 distinct people',
    );
    const override = baton(['override', 'design-1', 'publish', '--by', 'carol', '--reason', 'we are late'], { home });
    expectCode(override, 2);
    expect(override.stderr).toContain('the gate of "publish" cannot be overridden (override: never)');
    expect(rows(home, 'design-1')).toHaveLength(seqBefore);

    expectCode(baton(['approve', 'design-1', 'publish', '--by', 'bob'], { home }), 0);
    expectCode(baton(['resume', 'design-1'], { home }), 0);
    const decisions = rows(home, 'design-1', 'decision.made').map((row) => row.data);
    expect(decisions.map(({ id, verdict, by }) => ({ id, verdict, by }))).toEqual([
      { id: 'gate:publish', verdict: 'approved', by: 'alice' },
      { id: 'gate:publish', verdict: 'approved', by: 'bob' },
    ]);
    expect(decisions[0]?.evidence).toMatchObject({
      requires: { artifacts: ['write/design.md'], checks: ['checklist', 'review'] },
      artifacts: [{ name: 'write/design.md', sha256: sha256(DESIGN_MD), sealed: true }],
    });
    expect(rows(home, 'design-1', 'phase.opened').map((row) => row.data)).toEqual([
      expect.objectContaining({ phase: 'draft' }),
      {
        phase: 'publish',
        from: 'draft',
        reason: `"draft" is ready; all evidence is present; prerequisite record/CP-21.md of run control-plane@latest: sealed in run cp-21 as sha256 ${sha256(CP_21).slice(0, 12)}, its ledger verified; 2 of 2 approvals by role governor (alice, bob)`,
      },
    ]);
    expectCode(baton(['verify', 'design-1'], { home }), 0);

    // A second design run passes pre-flight; then CP-21 is changed under its seal: the check at the gate fails closed.
    expectCode(baton(['run', DESIGN, ...REGISTRY, '--run-id', 'design-2'], { home }), 4);
    tamper(home, CP_21, '# CP-21\nAnything goes.\n');
    expectCode(baton(['submit', 'design-2', 'review', '--output', '{"verdict":"approved"}'], { home }), 0);
    expectCode(baton(['resume', 'design-2'], { home }), 4);
    const atGate = rows(home, 'design-2', 'prerequisite.checked').at(-1)?.data;
    expect(atGate).toMatchObject({ stage: 'gate', ok: false, runId: 'cp-21', sha256: null });
    expect(String(atGate?.reason)).toMatch(/^run cp-21 does not verify: /);
    expect(rows(home, 'design-2', 'phase.transition_denied').at(-1)?.data.reason).toMatch(
      /^the gate of "publish" is closed: prerequisite record\/CP-21.md of run control-plane@latest: run cp-21 does not verify: .*; 0 of 2 approvals by role governor$/,
    );
    expect(rows(home, 'design-2', 'phase.opened').map((row) => row.data.phase)).toEqual(['draft']);

    // The approvals of design-1 bound the sealed design: a later change to it fails verify.
    tamper(home, DESIGN_MD, '# Phase E design\nNot built on anything.\n');
    const verify = baton(['verify', 'design-1'], { home });
    expectCode(verify, 1);
    expect(verify.stdout + verify.stderr).toContain(
      `bound sealed artifact "write/design.md" at sha256 ${sha256(DESIGN_MD)}, which now hashes to`,
    );
  });
});
