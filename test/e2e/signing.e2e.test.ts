import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashOf, type ChainLink } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';
import { baton, type CliResult } from './cli.js';

const APPROVAL = 'examples/governance/approval.yaml';

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

interface KeyView {
  name: string;
  keyId: string;
  principal: string;
  revokedAt: string | null;
}

interface DecisionRow {
  id: string;
  verdict: string;
  by: string;
  account?: string;
  signature?: { keyId: string; value: string };
}

function decisions(home: string, runId: string): DecisionRow[] {
  const db = new Database(join(home, 'baton.db'), { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT data FROM events WHERE run_id = ? AND type = 'decision.made' ORDER BY seq`)
      .all(runId) as { data: string }[];
    return rows.map((row) => JSON.parse(row.data) as DecisionRow);
  } finally {
    db.close();
  }
}

type Row = { run_id: string; seq: number; type: string; at: string; data: string; prev_hash: string; hash: string };

/** Replaces the public key of the first key registered with a new one, recomputing the workspace ledger's hashes from there. */
function swapRegisteredKey(home: string): void {
  const db = new Database(join(home, 'baton.db'));
  try {
    const rows = db.prepare('SELECT * FROM workspace_ledger ORDER BY seq').all() as Row[];
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    let prevHash = GENESIS_HASH;
    let swapped = false;
    for (const row of rows) {
      const data = JSON.parse(row.data) as Record<string, unknown>;
      if (row.type === 'key.registered' && !swapped) {
        data.publicKey = other;
        swapped = true;
      }
      const link: ChainLink = { runId: row.run_id, seq: row.seq, type: row.type, at: row.at, data, prevHash, hash: '' };
      const hash = hashOf(link);
      db.prepare('UPDATE workspace_ledger SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
        JSON.stringify(data),
        prevHash,
        hash,
        row.seq,
      );
      prevHash = hash;
    }
    expect(swapped).toBe(true);
  } finally {
    db.close();
  }
}

describe('signing keys from the command line', () => {
  it('generate, approve with --sign-key, verify passes; unsigned or bad keys are refused (exit 2, nothing written); a registered key swapped in the database fails verify (exit 1)', () => {
    const home = tempDir();
    const dir = tempDir();
    const file = join(dir, 'alice.pem');
    expectCode(baton(['run', APPROVAL, '--run-id', 'release-1'], { home }), 4);

    const generated = baton(['key', 'generate', 'alice-laptop', '--principal', 'alice', '--out', file, '--json'], {
      home,
    });
    expectCode(generated, 0);
    const key = JSON.parse(generated.stdout) as KeyView & { privateKeyFile: string };
    expect(key).toMatchObject({ name: 'alice-laptop', principal: 'alice', revokedAt: null, privateKeyFile: file });
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    // A taken name: exit 2, and the private key it would have written is not left behind.
    const other = join(dir, 'other.pem');
    const taken = baton(['key', 'generate', 'alice-laptop', '--principal', 'bob', '--out', other], { home });
    expectCode(taken, 2);
    expect(taken.stderr).toContain('a key named "alice-laptop" is registered already');
    expect(existsSync(other)).toBe(false);
    const badPem = join(dir, 'bad.pub');
    writeFileSync(badPem, 'hello\n');
    const refusedPem = baton(['key', 'add', 'bad', '--principal', 'bob', '--public-key', badPem], { home });
    expectCode(refusedPem, 2);
    expect(refusedPem.stderr).toContain(`--public-key ${badPem} is not an Ed25519 public key`);
    const unknown = baton(['key', 'revoke', 'nobody'], { home });
    expectCode(unknown, 2);
    expect(unknown.stderr).toContain('a signing key named "nobody" (keys: alice-laptop)');

    // Alice has a key: her unsigned approval is refused, and so is one signed with a key that is not hers.
    const unsigned = baton(['approve', 'release-1', 'execution', '--by', 'alice'], { home });
    expectCode(unsigned, 2);
    expect(unsigned.stderr).toContain('alice has signing key "alice-laptop"');
    expect(unsigned.stderr).toContain('must be signed');
    const stranger = join(dir, 'stranger.pem');
    writeFileSync(stranger, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const foreign = baton(['approve', 'release-1', 'execution', '--by', 'alice', '--sign-key', stranger], { home });
    expectCode(foreign, 2);
    expect(foreign.stderr).toMatch(/the signature's key [0-9a-f]{16} is not registered in this workspace/);
    const notAKey = baton(['approve', 'release-1', 'execution', '--by', 'alice', '--sign-key', badPem], { home });
    expectCode(notAKey, 2);
    expect(notAKey.stderr).toContain(`--sign-key ${badPem} is not an Ed25519 private key`);
    expect(decisions(home, 'release-1')).toEqual([]);

    const approved = baton(
      ['approve', 'release-1', 'execution', '--by', 'alice', '--sign-key', file, '--comment', 'looks right', '--json'],
      { home },
    );
    expectCode(approved, 0);
    const [row] = decisions(home, 'release-1');
    expect(row).toMatchObject({ id: 'gate:execution', verdict: 'approved', by: 'alice' });
    expect(row?.signature?.keyId).toBe(key.keyId);
    expect(row?.signature?.value).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    // The operating-system account that ran the command, beside the self-asserted --by.
    expect(row?.account).toMatch(new RegExp(`^${userInfo().username}@`));
    const shown = baton(['status', 'release-1'], { home });
    expectCode(shown, 0);
    expect(shown.stdout).toContain(
      `gate:execution approved by alice: looks right (signed with key ${key.keyId}, as ${row?.account})`,
    );
    expectCode(baton(['resume', 'release-1', '--by', 'alice'], { home }), 0);
    const db = new Database(join(home, 'baton.db'), { readonly: true });
    const resumed = db.prepare(`SELECT data FROM events WHERE run_id = 'release-1' AND type = 'run.resumed'`).all() as {
      data: string;
    }[];
    db.close();
    expect(resumed.map((r) => JSON.parse(r.data) as { by?: string; account?: string })).toEqual([
      expect.objectContaining({ by: 'alice', account: row?.account }),
    ]);
    expectCode(baton(['verify', 'release-1'], { home }), 0);

    const listed = baton(['key', 'list', '--json'], { home });
    expectCode(listed, 0);
    expect((JSON.parse(listed.stdout) as KeyView[]).map((k) => [k.name, k.principal])).toEqual([
      ['alice-laptop', 'alice'],
    ]);
    const revoked = baton(['key', 'revoke', 'alice-laptop', '--reason', 'rotated'], { home });
    expectCode(revoked, 0);
    expect(revoked.stdout).toContain('revoked key "alice-laptop" for alice');
    // What the key signed while in force still verifies.
    expectCode(baton(['verify', 'release-1'], { home }), 0);

    // Someone with write access swaps the registered public key for their own and re-chains the
    // workspace ledger: every chain holds, but alice's recorded signature no longer does.
    swapRegisteredKey(home);
    const verify = baton(['verify', 'release-1'], { home });
    expectCode(verify, 1);
    expect(verify.stdout + verify.stderr).toContain(
      'the signature by key "alice-laptop" does not match the act\'s statement',
    );
  });
});
