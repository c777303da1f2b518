import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, batonAsync } from './cli.js';

// An hour, with a fraction no other test uses, so that the sleep is found by its command line.
const SLEEP_SECONDS = '3600.417';

/** The pids of processes whose command line is exactly `commandLine`. */
function processesRunning(commandLine: string): number[] {
  const found = spawnSync('pgrep', ['-x', '-f', commandLine], { encoding: 'utf8' });
  return found.stdout.split('\n').filter(Boolean).map(Number);
}

/** The processes still running `commandLine` once a killed one has had its moment to be reaped. */
async function processesAfterExit(commandLine: string): Promise<number[]> {
  for (let poll = 0; poll < 50 && processesRunning(commandLine).length > 0; poll++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  const left = processesRunning(commandLine);
  for (const pid of left) process.kill(pid, 'SIGKILL'); // never leave an hour-long sleep behind
  return left;
}

describe('interrupting baton run', () => {
  it('holds the run against a second conductor, stops on SIGTERM or Ctrl-C with exit 130, kills running commands, and leaves the run resumable', async () => {
    const home = tempDir();
    const plan = join(tempDir(), 'slow.yaml');
    writeFileSync(
      plan,
      'baton: 1\nname: slow\ncapabilities:\n  sleeper: {kind: command, command: [sleep, "{{ input }}"], skills: {wait: 1}}\n' +
        `steps:\n  a: {skill: wait, input: "0.1"}\n  b: {skill: wait, input: "${SLEEP_SECONDS}", after: [a]}\n`,
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
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      expect(code).toBe(130);
      // The hour-long sleep was killed, not awaited (awaiting it would end the test on its timeout).
      expect(await processesAfterExit(`sleep ${SLEEP_SECONDS}`)).toEqual([]);
      expect(stdout).toContain(`continue it with: baton resume slow-${signal}`);
      const status = JSON.parse(baton(['status', `slow-${signal}`, '--json'], { home }).stdout) as { status: string };
      expect(status.status).toBe('running');
    }
  });
});
