import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

/** A small real file system to fill: tmpfs, which needs root; elsewhere the test is skipped, loudly. */
function mountSmallDisk(): string | undefined {
  // Not a tempDir(): those are removed after each test, while this stays mounted until afterAll.
  const dir = mkdtempSync(join(tmpdir(), 'baton-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const disk = process.getuid?.() === 0 ? mountSmallDisk() : undefined;
afterAll(() => {
  if (!disk) return;
  execFileSync('umount', ['-l', disk]);
  rmSync(disk, { recursive: true, force: true });
});

if (!disk) console.warn('\n!!! The disk-full test was SKIPPED: mounting a small tmpfs needs root.\n');

(disk ? describe : describe.skip)('a full disk', () => {
  it('stops the run with a clear error and nothing half-written; once there is space, resume finishes it and the chain verifies', () => {
    const home = join(disk!, 'home');
    const plan = join(tempDir(), 'fill.json');
    const steps: Record<string, object> = {};
    for (let i = 0; i < 400; i++) steps[`s${i}`] = { skill: 'shell' };
    const output = `{"pad": "${'x'.repeat(600)}"}`;
    writeFileSync(
      plan,
      JSON.stringify({
        baton: 1,
        name: 'fill',
        capabilities: { sh: { kind: 'command', skills: { shell: 1 }, command: ['sh', '-c', `echo '${output}'`] } },
        steps,
      }),
    );

    const full = baton(['run', plan], { home });
    expect(full.code, full.stderr).toBe(3);
    expect(full.stderr).toContain('the disk is full (SQLITE_FULL)');
    expect(full.stderr).not.toContain('internal error');
    const runId = /baton resume (\S+)/.exec(full.stderr)?.[1];
    expect(runId, full.stderr).toBeDefined();

    execFileSync('mount', ['-o', 'remount,size=64m', disk!]);
    const resumed = baton(['resume', runId!, '--json'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'succeeded',
      succeeded: 400,
      ledger: { verified: true },
    });
    expect(baton(['verify', runId!], { home }).code).toBe(0);
  }, 180_000);
});
