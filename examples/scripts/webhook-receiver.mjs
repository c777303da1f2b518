#!/usr/bin/env node
// A webhook receiver for examples/patterns/http.yaml that checks what an `http` capability
// sends, as any receiver should (docs/plan-language.md, "http"):
// - Baton-Signature is `sha256=` + hex HMAC-SHA256, keyed with the shared secret, of
//   `<Baton-Timestamp>.<raw body bytes>`; compared in constant time;
// - Baton-Timestamp is Unix seconds, refused when more than 5 minutes away from now;
// - Idempotency-Key is the same for every attempt of one step: the effect happens once per key.
//   WEBHOOK_HMAC=whsec-demo-0123 node examples/scripts/webhook-receiver.mjs   (PORT, default 8787)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.WEBHOOK_HMAC;
if (!secret) {
  console.error('set WEBHOOK_HMAC to the secret the plan signs with');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 8787);
const seen = new Map(); // Idempotency-Key -> the answer given the first time

function verified(request, body) {
  const timestamp = request.headers['baton-timestamp'] ?? '';
  const signature = Buffer.from(String(request.headers['baton-signature'] ?? ''));
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const expected = Buffer.from(`sha256=${mac}`);
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}

createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    const answer = (status, value) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (!verified(request, body)) return answer(401, { error: 'bad or stale signature' });
    const key = request.headers['idempotency-key'];
    if (seen.has(key)) return answer(200, { ...seen.get(key), duplicate: true });
    const result = { path: request.url, received: JSON.parse(body.toString('utf8') || 'null'), key };
    seen.set(key, result);
    console.log(`${request.method} ${request.url} ${key}: ${body.toString('utf8')}`);
    answer(200, { ...result, duplicate: false });
  });
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
