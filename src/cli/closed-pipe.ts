// The one file, not the engine's index: this handler is installed before any command loads.
import { killRunningCommands } from '../capabilities/command/live-groups.js';
import { ExitCode } from './exit-codes.js';

/**
 * Makes a closed output pipe end the command quietly: `baton status | head` stops reading
 * after one line, and the next write fails with EPIPE. Without a listener Node throws that
 * as an unhandled 'error' event with a stack trace; the reader has all it wanted, so there
 * is nothing to report. The process exits at once with 141 (128 + SIGPIPE), what a shell
 * reports for a program a closed pipe stopped, so `set -o pipefail` scripts still see it.
 * A run in progress stops as after a crash (its commands are killed) and stays resumable.
 * Any other write error (a full disk behind a redirect) is thrown as before.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listeners('error').includes(onOutputError)) continue;
    stream.on('error', onOutputError);
  }
}

function onOutputError(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') {
    killRunningCommands();
    process.exit(ExitCode.closedPipe);
  }
  throw error;
}
