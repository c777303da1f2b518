import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashOf, type ChainLink } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

type Row = { run_id: string; seq: number; type: string; at: string; data: string; prev_hash: string; hash: string };

const link = (row: Row): ChainLink => ({
  runId: row.run_id,
  seq: row.seq,
  type: row.type,
  at: row.at,
  data: JSON.parse(row.data) as unknown,
  prevHash: row.prev_hash,
  hash: row.hash,
});

/**
 * What a careful attacker with write access does: edits one event, recomputes the hashes of
 * it and of every later event, moves the run's recorded head, and re-anchors and re-chains the
 * workspace ledger. Every check that needs no outside anchor still passes afterwards.
 */
function rewriteWithRecomputedHashes(home: string, runId: string): void {
  const db = new Database(join(home, 'baton.db'));
  const events = db.prepare('SELECT * FROM events WHERE run_id = ? ORDER BY seq').all(runId) as Row[];
  const target = events.findIndex((row) => row.type === 'step.succeeded');
  const rehashed = new Map<string, string>();
  let prevHash = events[target - 1]!.hash;
  for (const row of events.slice(target)) {
    const data = row === events[target] ? row.data.replace('"ok":true', '"ok":false') : row.data;
    const hash = hashOf({ ...link(row), data: JSON.parse(data) as unknown, prevHash });
    rehashed.set(row.hash, hash);
    db.prepare('UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE run_id = ? AND seq = ?').run(
      data,
      prevHash,
      hash,
      runId,
      row.seq,
    );
    prevHash = hash;
  }
  db.prepare('UPDATE runs SET head_hash = ? WHERE run_id = ?').run(prevHash, runId);
  let workspacePrev = GENESIS_HASH;
  for (const row of db.prepare('SELECT * FROM workspace_ledger ORDER BY seq').all() as Row[]) {
    const anchor = JSON.parse(row.data) as { seq: number; hash: string; status: string };
    const data = JSON.stringify({ ...anchor, hash: rehashed.get(anchor.hash) ?? anchor.hash });
    const hash = hashOf({ ...link(row), data: JSON.parse(data) as unknown, prevHash: workspacePrev });
    db.prepare('UPDATE workspace_ledger SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
      data,
      workspacePrev,
      hash,
      row.seq,
    );
    workspacePrev = hash;
  }
  db.close();
}

describe('baton checkpoint and verify --against', () => {
  let original: string;
  let runIds: string[];

  // Made once for the file (tempDir's are removed after each test); each test works on a copy.
  beforeAll(() => {
    original = mkdtempSync(join(tmpdir(), 'baton-checkpoint-'));
    runIds = [0, 1].map(
      () =>
        (
          JSON.parse(baton(['run', 'examples/quickstart.yaml', '--json'], { home: original }).stdout) as {
            runId: string;
          }
        ).runId,
    );
  });

  afterAll(() => rmSync(original, { recursive: true, force: true }));

  /** A copy of the two-run workspace with a fresh checkpoint of it, signed with the workspace key. */
  function checkpointed(): { home: string; file: string } {
    const home = tempDir();
    cpSync(original, home, { recursive: true });
    const file = join(tempDir(), 'checkpoint.json');
    const taken = baton(['checkpoint', '--out', file, '--json'], { home });
    expect(taken.code, taken.stderr).toBe(0);
    return { home, file };
  }

  it('signs every run head and the workspace ledger head with a key it keeps owner-only, and verifies against it', () => {
    const { home, file } = checkpointed();
    expect(statSync(join(home, 'checkpoint-key.pem')).mode & 0o777).toBe(0o600);
    const checkpoint = JSON.parse(readFileSync(file, 'utf8')) as {
      runs: Record<string, { seq: number }>;
      workspace: { seq: number };
      publicKey: string;
      signature: string;
    };
    expect(Object.keys(checkpoint.runs).sort()).toEqual([...runIds].sort());
    expect(checkpoint.workspace.seq).toBe(4); // two creations, two ends
    const verify = baton(['verify', '--against', file], { home });
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toContain('signature valid');
    expect(verify.stdout).toContain(`✓ ${runIds[0]}: matches the checkpoint`);
    expect(verify.stdout).toContain('✓ workspace ledger: matches the checkpoint');
    // A second checkpoint reuses the workspace key.
    expect(
      JSON.parse(baton(['checkpoint', '--out', join(tempDir(), 'again.json'), '--json'], { home }).stdout),
    ).toMatchObject({ key: JSON.parse(baton(['verify', '--against', file, '--json'], { home }).stdout).key });
  });

  it('catches a rewrite with recomputed hashes that plain verify cannot see', () => {
    const { home, file } = checkpointed();
    rewriteWithRecomputedHashes(home, runIds[0]!);
    expect(baton(['verify'], { home }).code).toBe(0);
    const verify = baton(['verify', '--against', file], { home });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      new RegExp(
        `✗ ${runIds[0]}: rewritten since the checkpoint: seq \\d+ now has hash [0-9a-f]{12}, the checkpoint recorded [0-9a-f]{12}`,
      ),
    );
    expect(verify.stdout).toContain(`✓ ${runIds[1]}: matches the checkpoint`);
    expect(verify.stdout).toContain('✗ workspace ledger: rewritten since the checkpoint');
    const json = JSON.parse(baton(['verify', runIds[0]!, '--against', file, '--json'], { home }).stdout) as {
      ok: boolean;
      runs: { runId: string; ok: boolean }[];
    };
    expect(json).toMatchObject({ ok: false, signature: 'valid', runs: [{ runId: runIds[0], ok: false }] });
  });

  it('catches the newest run truncated and deleted, with its recorded head and the workspace ledger made to agree', () => {
    const { home, file } = checkpointed();
    const db = new Database(join(home, 'baton.db'));
    // The newest workspace entry is the second run's end: deleting it leaves a chain that verifies.
    db.prepare("DELETE FROM workspace_ledger WHERE run_id = ? AND type = 'run.ended'").run(runIds[1]);
    expect(db.prepare('SELECT MAX(seq) AS n FROM workspace_ledger').get()).toEqual({ n: 3 });
    const kept = db
      .prepare('SELECT seq, hash FROM events WHERE run_id = ? ORDER BY seq DESC LIMIT 1 OFFSET 3')
      .get(runIds[1]) as { seq: number; hash: string };
    db.prepare('DELETE FROM events WHERE run_id = ? AND seq > ?').run(runIds[1], kept.seq);
    db.prepare('UPDATE runs SET head_seq = ?, head_hash = ? WHERE run_id = ?').run(kept.seq, kept.hash, runIds[1]);
    db.close();
    expect(baton(['verify'], { home }).code).toBe(0); // nothing left to compare it with but the checkpoint
    const verify = baton(['verify', runIds[1]!, '--against', file], { home });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(
      `✗ ${runIds[1]}: truncated since the checkpoint: it had seq ${kept.seq + 3} (hash `,
    );
    expect(verify.stdout).toContain(`the chain now ends at seq ${kept.seq}`);
    expect(verify.stdout).toContain('✗ workspace ledger: truncated since the checkpoint: it had seq 4');

    const gone = new Database(join(home, 'baton.db'));
    gone.prepare('DELETE FROM events WHERE run_id = ?').run(runIds[1]);
    gone.prepare('DELETE FROM runs WHERE run_id = ?').run(runIds[1]);
    gone.close();
    expect(baton(['verify', '--against', file], { home }).stdout).toContain(
      `✗ ${runIds[1]}: deleted since the checkpoint (its chain was at seq ${kept.seq + 3})`,
    );
  });

  it('refuses a checkpoint whose contents were changed after it was signed, and a file that is not a checkpoint', () => {
    const { home, file } = checkpointed();
    const checkpoint = JSON.parse(readFileSync(file, 'utf8')) as { runs: Record<string, { seq: number }> };
    checkpoint.runs[runIds[0]!]!.seq -= 1;
    writeFileSync(file, JSON.stringify(checkpoint));
    const verify = baton(['verify', '--against', file], { home });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('its signature does not verify');
    expect(JSON.parse(baton(['verify', '--against', file, '--json'], { home }).stdout)).toMatchObject({
      ok: false,
      signature: 'invalid',
      runs: [],
    });

    writeFileSync(file, '{"baton": "checkpoint/1"}');
    const bad = baton(['verify', '--against', file], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--against: ${file} is not a checkpoint written by baton checkpoint: takenAt:`);
  });

  it('signs with a key from BATON_CHECKPOINT_KEY instead of the workspace key', () => {
    const home = tempDir();
    cpSync(original, home, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const file = join(tempDir(), 'c.json');
    const taken = baton(['checkpoint', '--out', file, '--json'], { home, env: { BATON_CHECKPOINT_KEY: pem } });
    expect(taken.code, taken.stderr).toBe(0);
    expect(JSON.parse(taken.stdout)).toMatchObject({ keySource: 'BATON_CHECKPOINT_KEY' });
    expect(baton(['verify', '--against', file], { home }).code).toBe(0);
    expect(baton(['checkpoint', '--out', file], { home, env: { BATON_CHECKPOINT_KEY: 'not a key' } })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('BATON_CHECKPOINT_KEY is not an Ed25519 private key'),
    });

    // Without a workspace: refused, and no key (nor directory) is left behind.
    const nowhere = join(tempDir(), 'none');
    expect(baton(['checkpoint'], { home: nowhere })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no Baton workspace at'),
    });
    expect(existsSync(nowhere)).toBe(false);
  });
});
