import { ApiError, ApiErrorCode } from './errors.js';

/**
 * Paging cursors of run lists: the last run of a page (its creation time and id), as
 * base64url JSON. Opaque to clients; a cursor that does not decode is bad input.
 */
export function encodeRunCursor(run: { createdAt: string; runId: string }): string {
  return Buffer.from(JSON.stringify([run.createdAt, run.runId])).toString('base64url');
}

export function decodeRunCursor(cursor: string): { createdAt: string; runId: string } {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[0] === 'string' &&
      typeof decoded[1] === 'string'
    )
      return { createdAt: decoded[0], runId: decoded[1] };
  } catch {
    // reported below
  }
  throw new ApiError(ApiErrorCode.badInput, 'invalid request query', [
    {
      path: ['query', 'cursor'],
      message: 'not a cursor this server gave: pass the `next` of the page before, unchanged',
    },
  ]);
}
