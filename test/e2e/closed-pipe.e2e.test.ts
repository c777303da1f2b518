import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { BIN, ROOT } from './cli.js';

describe('a closed output pipe', () => {
  it('ends the command quietly with 141, as `baton ... | head` needs, never with a stack trace', async () => {
    const dir = tempDir();
    const plan = join(dir, 'many.yaml');
    // A pre-flight report of 1,500 steps is far more than a pipe holds, so the CLI is still
    // writing when the reader goes away.
    const steps = Array.from({ length: 1_500 }, (_, i) => `  step_number_${i}: {skill: x}`).join('\n');
    writeFileSync(
      plan,
      `baton: 1\nname: many\ncapabilities:\n  c: {kind: command, command: [node, -e, "1"], skills: {x: 1}}\nsteps:\n${steps}\n`,
    );
    // `head -c 1` reads once and exits; the report is one write far larger than a pipe holds, so
    // the CLI is still writing when the reader goes away. bash reports the CLI's own exit code.
    const script = 'node "$0" run --dry-run "$1" | head -c 1 >/dev/null; echo "exit ${PIPESTATUS[0]}"';
    const child = spawn('bash', ['-c', script, BIN, plan], {
      cwd: ROOT,
      env: { ...process.env, BATON_HOME: join(dir, '.baton'), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('exit 141');
  });
});
