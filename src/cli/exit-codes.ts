// The one file, not core's index: `baton --version` loads this and nothing of the core.
import { BatonError, ErrorCode } from '../core/errors.js';

/** The CLI's exit codes: part of its contract (docs/cli.md). */
export const ExitCode = {
  ok: 0,
  /** The run failed (or ended denied, aborted or timed out), or a ledger failed verification. */
  failed: 1,
  /** Bad input: a plan, an input, an argument, an unknown run. Nothing was written. */
  badInput: 2,
  /** A bug or an environment problem (disk, database). */
  internal: 3,
  /**
   * The run has not ended: it waits for a person (a gate, a confirmation, an escalation, a
   * task) or a signal, or it is paused. The answer is recorded with an operator command, and
   * `baton resume` continues it.
   */
  waiting: 4,
  /** Interrupted by Ctrl-C; the run can be resumed. */
  interrupted: 130,
  /** Whoever read the output closed the pipe early (`baton status | head`): 128 + SIGPIPE, as a shell reports it. */
  closedPipe: 141,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The one place error codes become exit codes. */
export function exitCodeFor(error: unknown): ExitCode {
  if (!(error instanceof BatonError)) return ExitCode.internal;
  switch (error.code) {
    case ErrorCode.badInput:
    case ErrorCode.planInvalid:
    case ErrorCode.notFound:
    case ErrorCode.conflict:
    case ErrorCode.forbidden:
      return ExitCode.badInput;
    case ErrorCode.integrity:
      return ExitCode.failed;
    case ErrorCode.internal:
      return ExitCode.internal;
  }
}
