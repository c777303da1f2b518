/**
 * Errors that are thrown (programming or state errors, bad input). A step's failure is not
 * one of these: it is data in the ledger (see StepError in events.ts). Each error carries a
 * stable `code`; the CLI maps codes to exit codes and the server to HTTP statuses, each in
 * one place.
 */
export const ErrorCode = {
  badInput: 'bad_input',
  planInvalid: 'plan_invalid',
  notFound: 'not_found',
  conflict: 'conflict',
  /** A ledger failed verification: it was changed after it was written. */
  integrity: 'integrity',
  /** The caller's scopes do not allow it (a plan that runs programs on the server, submitted without admin). */
  forbidden: 'forbidden',
  internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class BatonError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BatonError';
  }
}

/** Where a problem is: a JSON path into the plan and, when the plan came from a file, line and column. */
export interface PlanIssue {
  path: (string | number)[];
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Text from a plan quoted in a message, cut to `max` characters: a 20 MB key must not make a 20 MB message. */
export function cut(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 3)}... (${text.length.toLocaleString('en-US')} characters)` : text;
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(plan)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? cut(part) : `.${cut(part)}`))
    .join('');
}

export function formatIssue(issue: PlanIssue): string {
  const where = issue.file ? `${issue.file}${issue.line ? `:${issue.line}:${issue.column ?? 1}` : ''} ` : '';
  return `${where}${formatPath(issue.path)}: ${issue.message}`;
}

/** A plan that cannot be run, with every problem found (not just the first). */
export class PlanError extends BatonError {
  constructor(readonly issues: PlanIssue[]) {
    super(ErrorCode.planInvalid, `invalid plan:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}`);
    this.name = 'PlanError';
  }
}

/** Inputs that do not fit the plan's declarations (unknown, missing, or of the wrong type). */
export class InputError extends BatonError {
  constructor(readonly issues: PlanIssue[]) {
    super(ErrorCode.badInput, `invalid input:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}`);
    this.name = 'InputError';
  }
}

export class NotFoundError extends BatonError {
  constructor(what: string) {
    super(ErrorCode.notFound, `${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends BatonError {
  constructor(message: string) {
    super(ErrorCode.conflict, message);
    this.name = 'ConflictError';
  }
}

/**
 * A ledger that fails verification: changed, truncated or deleted after it was written. Never
 * retried: reading it again gives the same answer (the CLI exits 1, the API answers 500 `integrity`).
 */
export class IntegrityError extends BatonError {
  constructor(message: string) {
    super(ErrorCode.integrity, message);
    this.name = 'IntegrityError';
  }
}
