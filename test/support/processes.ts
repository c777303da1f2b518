import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { BIN, ROOT } from '../e2e/cli.js';

/** A `baton` subprocess with its output collected as it comes. */
export interface BatonProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Starts `baton ARGS` with `env` on top of this environment. */
export function startBaton(args: string[], env: Record<string, string>): BatonProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `check` until it holds; fails naming `what` (and showing `context`) after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  context: () => string = () => '',
): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A `baton worker --json` process, resolved once it says it is ready. */
export async function startWorker(args: string[], env: Record<string, string>): Promise<BatonProcess> {
  const worker = startBaton(['worker', '--json', ...args], env);
  await waitUntil(
    () => worker.stdout().includes('"event":"ready"'),
    'the worker to be ready',
    30_000,
    () => worker.stderr(),
  );
  return worker;
}

/** Stops a process for good and waits for it. */
export async function kill(process: BatonProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill(signal);
  await process.exited;
}
