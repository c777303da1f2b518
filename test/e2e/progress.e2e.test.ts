import { spawnSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { BIN, ROOT } from './cli.js';

/** Runs the CLI on a real pseudo-terminal (util-linux `script`), as a person at a terminal would. */
function onTerminal(columns: number, args: string): string {
  const home = tempDir();
  const command = `stty cols ${columns} rows 30; BATON_HOME=${home} ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(result.status, result.stdout).toBe(0);
  return stripVTControlCharacters(result.stdout); // colours and cursor movement
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('progress on a terminal', () => {
  it('redraws a compact status block under the step lines, and clears it before the summary', () => {
    const out = onTerminal(100, 'run examples/quickstart.yaml');
    expect(out).toMatch(/\d\/8 steps · [\d.]+m?s · running: /);
    expect(out).toMatch(/plan_modules\s+succeeded in/);
    const summary = out.slice(out.lastIndexOf('run run-'));
    expect(summary).not.toMatch(/\d\/8 steps ·/);
    expect(summary).toMatch(/ledger verified/);
  });

  it('falls back to plain lines on a terminal that reports no width', () => {
    const out = onTerminal(0, 'run examples/quickstart.yaml');
    expect(out).not.toMatch(/\d\/8 steps ·/);
    expect(out).toMatch(/report\s+succeeded in/);
  });
});
