import { createHmac } from 'node:crypto';

/**
 * The signature an `http` capability with `secret_env` sends in `Baton-Signature`: `sha256=` and
 * the lower-case hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of the text
 * `<Baton-Timestamp>.<body>`: the timestamp header's value (Unix seconds), a dot, then the exact
 * bytes of the request body (empty for GET). The timestamp is signed so that a receiver can refuse
 * an old request replayed with its signature; the Idempotency-Key header lets it refuse a repeat.
 * @example
 * requestSignature('whsec-example', 1767225600, new TextEncoder().encode('{"a":1}')) // 'sha256=5c1f...'
 */
export function requestSignature(secret: string, timestampSeconds: number, body: Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestampSeconds}.`);
  mac.update(body);
  return `sha256=${mac.digest('hex')}`;
}
