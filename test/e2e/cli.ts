import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}bin/baton.js`;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `baton` as a subprocess to completion (the built CLI: `npm test` builds first). */
export function baton(
  args: string[],
  options: { cwd?: string; home: string; env?: Record<string, string> },
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, BATON_HOME: options.home, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function batonAsync(args: string[], options: { cwd?: string; home: string }): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, BATON_HOME: options.home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
