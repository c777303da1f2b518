import Database from 'better-sqlite3';
import { BatonError, ErrorCode } from '../../core/index.js';

/** What the machine, not Baton, is refusing, in words a user can act on. */
const ENVIRONMENT_FAILURES: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the disk is full'],
  [/^SQLITE_READONLY/, 'the database file (or its directory) is read-only'],
  [/^SQLITE_IOERR/, 'the disk reported an I/O error'],
  [/^SQLITE_CANTOPEN/, 'the database file cannot be opened'],
];

/**
 * A write the environment refused (disk full, read-only file, I/O error) becomes a clear
 * error that says what to do. The append is one transaction, so nothing of it was written:
 * the run stopped where its ledger ends and `baton resume` continues it once the cause is
 * fixed. Other errors pass through unchanged.
 */
export function explainWriteFailure(error: unknown, file: string, runId: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const cause = ENVIRONMENT_FAILURES.find(([code]) => code.test(error.code))?.[1];
  if (cause === undefined) return error;
  return new BatonError(
    ErrorCode.internal,
    `cannot write to the workspace database ${file}: ${cause} (${error.code}). Nothing of the last step was half-written: run "${runId}" stopped where its ledger ends; fix the cause, then continue it with: baton resume ${runId}`,
  );
}
