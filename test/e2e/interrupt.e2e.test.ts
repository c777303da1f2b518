import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, batonAsync } from './cli.js';

describe('interrupting baton run', () => {
  it('holds the run against a second conductor, stops on SIGTERM or Ctrl-C with exit 130, kills running commands, and leaves the run resumable', async () => {
    const home = tempDir();
    const plan = join(tempDir(), 'slow.yaml');
    writeFileSync(
      plan,
      'baton: 1\nname: slow\ncapabilities:\n  sleeper: {kind: command, command: [sleep, "{{ input }}"], skills: {wait: 1}}\n' +
        'steps:\n  a: {skill: wait, input: "0.1"}\n  b: {skill: wait, input: "30", after: [a]}\n',
    );
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const child = batonAsync(['run', plan, '--run-id', `slow-${signal}`], { home });
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      while (!stdout.includes('▸ b')) await new Promise((resolve) => setTimeout(resolve, 20));
      // One conductor per run: while this process holds the run, another refuses to touch it.
      const second = baton(['resume', `slow-${signal}`], { home });
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`run "slow-${signal}" is being conducted by pid ${child.pid} on `);
      const started = Date.now();
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      expect(code).toBe(130);
      expect(Date.now() - started).toBeLessThan(10_000); // the 30 s sleep was killed, not awaited
      expect(stdout).toContain(`continue it with: baton resume slow-${signal}`);
      const status = JSON.parse(baton(['status', `slow-${signal}`, '--json'], { home }).stdout) as { status: string };
      expect(status.status).toBe('running');
    }
  });
});
