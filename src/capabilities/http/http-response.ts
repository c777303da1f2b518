import type { Json } from '../../core/index.js';

/** A body read up to a limit: its bytes, or `tooLarge` when it had more (reading stopped there). */
export type LimitedBody = { tooLarge: false; bytes: Uint8Array } | { tooLarge: true };

/**
 * Reads a response body, stopping (and cancelling the rest) as soon as it holds more than
 * `limit` bytes, so a huge or endless body costs at most `limit` bytes of memory. A declared
 * Content-Length over the limit is refused before anything is read.
 * @example
 * const body = await readBodyWithin(response, 1024 * 1024); // { tooLarge: false, bytes }
 */
export async function readBodyWithin(response: Response, limit: number): Promise<LimitedBody> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => {});
    return { tooLarge: true };
  }
  if (response.body === null) return { tooLarge: false, bytes: new Uint8Array() };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  return { tooLarge: false, bytes: Buffer.concat(chunks) };
}

/** Whether a Content-Type names JSON: `application/json`, or any `+json` type such as `application/problem+json`. */
export function isJsonContentType(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

/** A body as text, decoded as UTF-8 (invalid sequences become U+FFFD rather than failing the attempt). */
export function bodyText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * The step's output from a successful response: the parsed body when its Content-Type is JSON, else
 * the text; an empty body is `null`. Throws SyntaxError for a body that says JSON and is not.
 * @example responseOutput(new TextEncoder().encode('{"ok":true}'), 'application/json') // { ok: true }
 */
export function responseOutput(bytes: Uint8Array, contentType: string | null): Json {
  if (bytes.byteLength === 0) return null;
  const text = bodyText(bytes);
  return isJsonContentType(contentType) ? (JSON.parse(text) as Json) : text;
}

/**
 * A `Retry-After` header as milliseconds from `now`: delay-seconds or an HTTP date; undefined when
 * absent or unreadable. Recorded with the failure; the wait before a retry is the step's `retry.backoff`.
 * @example retryAfterMs('120', Date.now()) // 120000
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
