import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/index.js';
import type { LedgerEvent } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A real HTTP server on 127.0.0.1 that records every request and answers as `answer` says. */
async function startServer(answer: (request: Received, count: number, response: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const got = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      };
      received.push(got);
      answer(got, received.filter((r) => r.path === got.path).length, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

let baton: Baton;
let server: Awaited<ReturnType<typeof startServer>>;
const ENV = { HOOK_AUTH: 'Bearer tok-5d1e9a7c33b2', HOOK_HMAC: 'whsec-8c2f6b1a9e4d7035' };

beforeEach(async () => {
  Object.assign(process.env, ENV);
  baton = await createBaton({ home: tempDir() });
});
afterEach(async () => {
  for (const name of Object.keys(ENV)) delete process.env[name];
  await baton.close();
  await server.close();
});

/** Runs a one-capability plan (`hook`, with `config`) with `steps` and returns the run's result and events. */
async function run(config: Record<string, unknown>, steps: Record<string, unknown>, constraints?: object) {
  const handle = await baton.submit({
    baton: 1,
    name: 'http',
    ...(constraints && { constraints }),
    capabilities: { hook: { kind: 'http', skills: { call: 1 }, ...config } },
    steps,
  } as never);
  const result = await handle.result();
  const events = await baton.events(handle.runId);
  const of = (type: string) => events.filter((event) => event.type === type).map((event) => event.data as never);
  return { runId: handle.runId, result, of, events: events as LedgerEvent[] };
}

describe('http capability against a local server', () => {
  it('retries 500 to success with one idempotency key per step, a different one for another step', async () => {
    server = await startServer((request, count, response) =>
      request.path === '/flaky' && count === 1
        ? json(response, 500, { error: 'warming up' })
        : json(response, 200, { got: JSON.parse(request.body.toString()) as unknown, path: request.path }),
    );
    const { runId, result, of } = await run(
      { url: `${server.origin}{{ input.path }}` },
      {
        first: { skill: 'call', input: { path: '/flaky', n: 1 }, retry: { max: 2 } },
        second: { skill: 'call', after: ['first'], input: { path: '/steady', n: 2 } },
      },
    );
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({
      first: { got: { path: '/flaky', n: 1 }, path: '/flaky' },
      second: { got: { path: '/steady', n: 2 }, path: '/steady' },
    });
    expect(
      server.received.map((r) => [r.method, r.path, r.headers['idempotency-key'], r.headers['content-type']]),
    ).toEqual([
      ['POST', '/flaky', `${runId}/first`, 'application/json'],
      ['POST', '/flaky', `${runId}/first`, 'application/json'],
      ['POST', '/steady', `${runId}/second`, 'application/json'],
    ]);
    expect(of('attempt.failed')).toEqual([
      expect.objectContaining({
        error: {
          type: 'http_status',
          message: `POST ${server.origin}/flaky answered 500 Internal Server Error: {"error":"warming up"}`,
          retryable: true,
          detail: { status: 500, body: '{"error":"warming up"}' },
        },
      }),
    ]);
  });

  it('signs the exact body bytes with the timestamp, as docs/plan-language.md says a receiver verifies', async () => {
    server = await startServer((_request, _count, response) =>
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'),
    );
    const input = { text: 'héllo ✓', list: [1, 2] };
    const { result } = await run(
      { url: `${server.origin}/hook`, headers_env: { Authorization: 'HOOK_AUTH' }, secret_env: 'HOOK_HMAC' },
      { notify: { skill: 'call', input } },
    );
    expect(result.outputs).toEqual({ notify: 'ok' });
    const [request] = server.received;
    const timestamp = request!.headers['baton-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const expected = createHmac('sha256', ENV.HOOK_HMAC).update(`${timestamp}.`).update(request!.body).digest('hex');
    expect(request!.headers['baton-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(request!.body.toString('utf8'))).toEqual(input);
    expect(request!.headers.authorization).toBe(ENV.HOOK_AUTH);
    // Another body under the same timestamp does not verify.
    const forged = createHmac('sha256', ENV.HOOK_HMAC).update(`${timestamp}.{}`).digest('hex');
    expect(forged).not.toBe(expected);
  });

  it('sends GET without a body and signs the empty body', async () => {
    server = await startServer((_request, _count, response) => json(response, 200, [1, 2]));
    const { result } = await run(
      { url: `${server.origin}/items`, method: 'GET', secret_env: 'HOOK_HMAC' },
      { list: { skill: 'call', input: { ignored: true } } },
    );
    expect(result.outputs).toEqual({ list: [1, 2] });
    const [request] = server.received;
    expect([request!.method, request!.body.length, request!.headers['content-type']]).toEqual(['GET', 0, undefined]);
    const timestamp = request!.headers['baton-timestamp'] as string;
    expect(request!.headers['baton-signature']).toBe(
      `sha256=${createHmac('sha256', ENV.HOOK_HMAC).update(`${timestamp}.`).digest('hex')}`,
    );
  });

  it('fails a 404 without a retry, quoting the start of the body', async () => {
    server = await startServer((_request, _count, response) =>
      response.writeHead(404).end(`no such hook\n${'x'.repeat(500)}`),
    );
    const { result, of } = await run(
      { url: `${server.origin}/missing` },
      { call: { skill: 'call', retry: { max: 3 } } },
    );
    expect(result.status).toBe('failed');
    expect(server.received).toHaveLength(1);
    const [failed] = of('attempt.failed') as { error: { type: string; message: string; retryable: boolean } }[];
    expect(failed!.error).toMatchObject({ type: 'http_status', retryable: false });
    expect(failed!.error.message).toBe(
      `POST ${server.origin}/missing answered 404 Not Found: no such hook ${'x'.repeat(187)}`,
    );
    expect(of('attempt.retry_scheduled')).toEqual([]);
  });

  it('retries 429 and records Retry-After, which the step backoff (not the header) paces', async () => {
    server = await startServer((_request, count, response) =>
      count === 1 ? response.writeHead(429, { 'retry-after': '7' }).end() : json(response, 200, 'done'),
    );
    const { result, of } = await run({ url: `${server.origin}/busy` }, { call: { skill: 'call', retry: { max: 1 } } });
    expect(result.outputs).toEqual({ call: 'done' });
    expect(of('attempt.failed')).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ retryable: true, detail: { status: 429, body: '', retryAfterMs: 7000 } }),
      }),
    ]);
  });

  it.each([
    ['declared', true],
    ['streamed', false],
  ])('refuses a %s body over max_response_bytes without a retry', async (_how, declared) => {
    server = await startServer((_request, _count, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', ...(declared && { 'content-length': '5000' }) });
      response.end('y'.repeat(5000));
    });
    const { result, of } = await run(
      { url: `${server.origin}/big`, max_response_bytes: 1000 },
      { call: { skill: 'call', retry: { max: 2 } } },
    );
    expect(result.status).toBe('failed');
    expect(server.received).toHaveLength(1);
    expect(of('attempt.failed')).toEqual([
      expect.objectContaining({
        error: {
          type: 'response_too_large',
          message: `POST ${server.origin}/big answered with a body over 1000 bytes (max_response_bytes); reading stopped there`,
          retryable: false,
        },
      }),
    ]);
  });

  it('refuses a URL outside the step scope before any request reaches the server', async () => {
    server = await startServer((_request, _count, response) => json(response, 200, 'should not happen'));
    const { result, of } = await run(
      { url: `${server.origin}/admin` },
      { call: { skill: 'call', retry: { max: 2 }, constraints: { scope: [`${server.origin}/public`] } } },
    );
    expect(result.status).toBe('failed');
    expect(server.received).toEqual([]);
    expect(of('attempt.failed')).toEqual([
      expect.objectContaining({
        error: {
          type: 'scope',
          message: `the URL ${server.origin}/admin is outside the step's scope (${server.origin}/public)`,
          retryable: false,
          detail: { url: `${server.origin}/admin`, scope: [`${server.origin}/public`] },
        },
      }),
    ]);
  });

  it('names a missing variable without sending anything', async () => {
    server = await startServer((_request, _count, response) => json(response, 200, null));
    const { result, of } = await run(
      { url: `${server.origin}/hook`, headers_env: { 'X-Api-Key': 'HOOK_MISSING_KEY' } },
      { call: { skill: 'call' } },
    );
    expect(result.status).toBe('failed');
    expect(server.received).toEqual([]);
    expect(of('attempt.failed')).toEqual([
      expect.objectContaining({
        error: {
          type: 'missing_env',
          message: 'header "X-Api-Key" needs the environment variable HOOK_MISSING_KEY, which is not set',
          retryable: false,
          detail: { variable: 'HOOK_MISSING_KEY' },
        },
      }),
    ]);
  });

  it('does not follow a redirect, whose target the scope check never saw', async () => {
    server = await startServer((request, _count, response) =>
      request.path === '/moved'
        ? response.writeHead(302, { location: '/elsewhere' }).end()
        : json(response, 200, 'followed'),
    );
    const { result, of } = await run({ url: `${server.origin}/moved` }, { call: { skill: 'call' } });
    expect(result.status).toBe('failed');
    expect(server.received.map((r) => r.path)).toEqual(['/moved']);
    expect(of('attempt.failed')).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ type: 'http_redirect', retryable: false }) }),
    ]);
  });

  it('fails retryably when nothing listens, and redacts header values a server echoes', async () => {
    server = await startServer((request, _count, response) =>
      json(response, 401, { refused: request.headers.authorization }),
    );
    const closed = await startServer(() => {});
    const nowhere = closed.origin;
    await closed.close();
    const { result, of } = await run(
      { url: `{{ input.base }}/hook`, headers_env: { Authorization: 'HOOK_AUTH' } },
      {
        down: { skill: 'call', input: { base: nowhere }, on_failure: 'continue' },
        echo: { skill: 'call', input: { base: server.origin }, after: ['down'] },
      },
    );
    expect(result.status).toBe('failed');
    const errors = (of('attempt.failed') as { error: { type: string; message: string; retryable: boolean } }[]).map(
      (e) => e.error,
    );
    expect(errors[0]).toMatchObject({
      type: 'network',
      message: `POST ${nowhere}/hook failed: ECONNREFUSED`,
      retryable: true,
    });
    expect(errors[1]).toMatchObject({
      type: 'http_status',
      message: `POST ${server.origin}/hook answered 401 Unauthorized: {"refused":"[redacted:HOOK_AUTH]"}`,
      retryable: false,
    });
    expect(JSON.stringify(of('attempt.failed'))).not.toContain('tok-5d1e9a7c33b2');
  });
});
