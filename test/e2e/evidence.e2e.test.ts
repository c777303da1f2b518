import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, type CliResult } from './cli.js';
import { connect, ok } from './mcp-client.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const REPORT = 'all tests pass\n';

/** A build phase that writes and seals a report, then `ship` behind a person's approval. */
const PLAN = `baton: 1
name: evidence
phases:
  - build
  - id: ship
    gate: { approval: true }
capabilities:
  sh:
    kind: command
    command: [sh, -c, 'printf "${REPORT.replace('\n', '\\n')}" > "$BATON_ARTIFACTS_DIR/report.txt" && echo "{\\"ok\\":true}"']
    skills: { build: 1 }
  deployer:
    kind: command
    command: [sh, -c, 'echo "{\\"deployed\\":true}"']
    skills: { deploy: 1 }
steps:
  build: { phase: build, skill: build, seal: true }
  deploy: { phase: ship, skill: deploy, after: [build] }
`;

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

describe('evidence-bound decisions from the command line', () => {
  it('shows what approving binds, records it in the ledger, and verify exits 1 once the bound sealed artifact is changed', async () => {
    const home = tempDir();
    const plan = join(tempDir(), 'evidence.yaml');
    writeFileSync(plan, PLAN);
    const run = baton(['run', plan, '--run-id', 'rel-1'], { home });
    expectCode(run, 4);
    const artifactLine = `artifact build/report.txt sha256 ${sha256(REPORT)} sealed`;
    expect(run.stdout).toContain('approving binds:');
    expect(run.stdout).toContain(artifactLine);

    const status = baton(['status', 'rel-1', '--json'], { home });
    expectCode(status, 0);
    const view = JSON.parse(status.stdout) as { planHash: string; pending: { id: string; evidence: unknown }[] };
    const expected = {
      revision: 1,
      planHash: view.planHash,
      artifacts: [{ name: 'build/report.txt', sha256: sha256(REPORT), sealed: true }],
      checks: [{ step: 'build', status: 'succeeded', passed: true, outputHash: sha256('{"ok":true}') }],
    };
    expect(view.pending).toMatchObject([{ id: 'gate:ship', evidence: expected }]);
    const { client } = await connect(home);
    const listed = await ok<{ decisions: unknown[] }>(client, 'list_pending_decisions', { runId: 'rel-1' });
    expect(listed.decisions).toMatchObject([{ id: 'gate:ship', evidence: expected }]);
    await client.close();

    const approved = baton(['approve', 'rel-1', 'ship', '--by', 'alice', '--comment', 'report read'], { home });
    expectCode(approved, 0);
    expect(approved.stdout).toContain('bound plan revision 1, 1 artifact (1 sealed), 1 check');
    const db = new Database(join(home, 'baton.db'), { readonly: true });
    const rows = db.prepare("SELECT seq, data FROM events WHERE run_id = 'rel-1' AND type = 'decision.made'").all() as {
      seq: number;
      data: string;
    }[];
    db.close();
    expect(rows.map((row) => JSON.parse(row.data) as unknown)).toEqual([
      {
        id: 'gate:ship',
        verdict: 'approved',
        by: 'alice',
        account: `${userInfo().username}@${hostname()}`,
        comment: 'report read',
        evidence: expected,
      },
    ]);
    expectCode(baton(['resume', 'rel-1'], { home }), 0);
    const log = baton(['log', 'rel-1'], { home });
    expectCode(log, 0);
    expect(log.stdout).toContain('✓ gate:ship approved by alice: report read');
    expect(log.stdout).toContain(artifactLine);
    expectCode(baton(['verify', 'rel-1'], { home }), 0);

    const stored = join(home, 'artifacts', 'sha256', sha256(REPORT).slice(0, 2), sha256(REPORT));
    chmodSync(stored, 0o644);
    writeFileSync(stored, 'some tests fail\n');
    const verify = baton(['verify', 'rel-1'], { home });
    expectCode(verify, 1);
    expect(verify.stdout + verify.stderr).toContain(
      `approval gate:ship (seq ${rows[0]?.seq}) bound sealed artifact "build/report.txt" at sha256 ${sha256(REPORT)}, which now hashes to ${sha256('some tests fail\n')}`,
    );
  });
});
