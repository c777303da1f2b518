import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { API_SCOPES, type ApiScope } from '../../src/core/index.js';
import { expectError, PLANS, settledRun, startServer, storeSnapshot, submit, waitFor } from './harness.js';

describe('errors: one JSON shape, a stable code, the right status', () => {
  it('an unknown route is a 404 pointing at the document', async () => {
    const s = await startServer();
    const error = await expectError(await s.call('GET', '/v1/nothing'), 404, 'not_found');
    expect(error.message).toBe('no route GET /v1/nothing; /openapi.json lists the routes');
    await s.baton.close();
  });

  it('an unknown run is a 404 for reads and for commands, and nothing is written', async () => {
    const s = await startServer();
    expect((await expectError(await s.call('GET', '/v1/runs/nope'), 404, 'not_found')).message).toBe(
      'run "nope" not found',
    );
    await expectError(await s.call('GET', '/v1/runs/nope/events'), 404, 'not_found');
    const before = await storeSnapshot(s.baton);
    await expectError(await s.call('POST', '/v1/runs/nope/approvals', { body: { target: 'ship' } }), 404, 'not_found');
    await expectError(await s.call('POST', '/v1/runs/nope/resume'), 404, 'not_found');
    expect(await storeSnapshot(s.baton)).toBe(before);
    await s.baton.close();
  });

  it("a command the run's state does not allow is a 409 (or a 404 for a decision that is not pending), and writes nothing", async () => {
    const s = await startServer();
    const runId = await submit(s, PLANS.quick);
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.status === 'succeeded',
    );
    const before = await storeSnapshot(s.baton);
    expect((await expectError(await s.call('POST', `/v1/runs/${runId}/pause`), 409, 'conflict')).message).toMatch(
      /has already succeeded/,
    );
    const gated = await submit(s, PLANS.gated);
    await settledRun(s, gated);
    const middle = await storeSnapshot(s.baton);
    expect(
      (
        await expectError(
          await s.call('POST', `/v1/runs/${gated}/approvals`, { body: { target: 'deploy' } }),
          404,
          'not_found',
        )
      ).message,
    ).toMatch(/pending: gate:ship/);
    expect(await storeSnapshot(s.baton)).toBe(middle);
    expect(before).not.toBe(middle);
    await s.baton.close();
  });

  it('a body over the limit is a 413, a body that is not JSON a 415, broken JSON a 400', async () => {
    const s = await startServer({ maxBodyBytes: 2_048 });
    const error = await expectError(
      await s.call('POST', '/v1/context/objectives', { body: { text: 'x'.repeat(3_000) } }),
      413,
      'payload_too_large',
    );
    expect(error.message).toContain('2048 bytes');
    const chunked = new ReadableStream({
      start: (c) => (c.enqueue(new TextEncoder().encode(JSON.stringify({ text: 'y'.repeat(3_000) }))), c.close()),
    });
    await expectError(
      await s.app.request('/v1/context/objectives', {
        method: 'POST',
        headers: { authorization: `Bearer ${s.tokens.operate}`, 'content-type': 'application/json' },
        body: chunked,
        duplex: 'half',
      } as RequestInit),
      413,
      'payload_too_large',
    );
    expect(
      (
        await expectError(
          await s.call('POST', '/v1/context/objectives', {
            body: 'text=hello',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
          415,
          'unsupported_media_type',
        )
      ).message,
    ).toContain('--json');
    const broken = await expectError(
      await s.call('POST', '/v1/context/objectives', { body: '{"text": ' }),
      400,
      'bad_input',
    );
    expect(broken.issues?.[0]?.path).toEqual(['body']);
    expect(await s.baton.store.listContextEntries()).toEqual([]);
    await s.baton.close();
  });

  it('a body or plan nested thousands deep is a 400 naming the depth, never a 500 or a crash', async () => {
    const s = await startServer({ maxBodyBytes: 1024 * 1024 });
    const before = await storeSnapshot(s.baton);
    // Found by the API fuzz test: a plan object 3,000 deep overflowed the validator's stack (a 500),
    // and plan text 2,000 deep made V8 abort the process inside the YAML parser.
    const deepObject = JSON.parse(`${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`) as unknown;
    const deepText = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const blockText = Array.from({ length: 1_200 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
    const deepPlan = { baton: 1, name: 'x', steps: { a: { skill: 'w', input: deepObject } } };
    const asData = await expectError(
      await s.call('POST', '/v1/plans/validate', { body: { plan: deepPlan } }),
      400,
      'bad_input',
    );
    expect(asData.issues?.[0]?.path.slice(0, 6)).toEqual(['body', 'plan', 'steps', 'a', 'input', 'a']);
    for (const plan of [deepText, blockText]) {
      const error = await expectError(
        await s.call('POST', '/v1/plans/validate', { body: { plan } }),
        400,
        'plan_invalid',
      );
      expect(error.issues?.[0]?.message).toContain('nested more than 64 levels deep');
    }
    const body = await expectError(
      await s.call('POST', '/v1/context/objectives', { body: { text: 'x', extra: deepObject } }),
      400,
      'bad_input',
    );
    expect(body.message).toBe(
      'the request body is nested more than 64 levels deep (objects and lists inside each other); Baton accepts at most 64',
    );
    expect(body.issues?.[0]?.path.slice(0, 3)).toEqual(['body', 'extra', 'a']);
    expect(await storeSnapshot(s.baton)).toBe(before);
    await s.baton.close();
  });

  it('rate-limits each token on its own: 429 with Retry-After, then it passes again', async () => {
    let now = 1_000_000;
    const s = await startServer({ rateLimit: { perSecond: 1, burst: 2 }, now: () => now });
    expect((await s.call('GET', '/v1/runs', { token: s.tokens.read })).status).toBe(200);
    expect((await s.call('GET', '/v1/runs', { token: s.tokens.read })).status).toBe(200);
    const limited = await s.call('GET', '/v1/runs', { token: s.tokens.read });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await expectError(limited, 429, 'rate_limited')).message).toContain('token:read');
    expect((await s.call('GET', '/v1/runs', { token: s.tokens.admin })).status).toBe(200);
    now += 1_000;
    expect((await s.call('GET', '/v1/runs', { token: s.tokens.read })).status).toBe(200);
    await s.baton.close();
  });

  it('refuses a revoked token, an unknown one and a malformed header, saying which, never echoing the secret', async () => {
    const s = await startServer();
    await s.baton.tokens.revoke('read');
    expect(
      (await expectError(await s.call('GET', '/v1/runs', { token: s.tokens.read }), 401, 'unauthorized')).message,
    ).toMatch(/"read" was revoked at/);
    const forged = `baton_${'A'.repeat(43)}`;
    const unknown = await expectError(await s.call('GET', '/v1/runs', { token: forged }), 401, 'unauthorized');
    expect(unknown.message).toBe('the bearer token is unknown to this workspace');
    expect(unknown.message).not.toContain(forged);
    expect(
      (
        await expectError(
          await s.call('GET', '/v1/runs', { token: null, headers: { authorization: `Basic ${s.tokens.admin}` } }),
          401,
          'unauthorized',
        )
      ).message,
    ).toContain('Bearer');
    expect(s.logs.join('\n')).not.toContain(s.tokens.admin);
    await s.baton.close();
  });

  it('a plan with command capabilities needs the admin scope: operate is a 403 that writes nothing; admin runs it', async () => {
    const s = await startServer();
    const before = await storeSnapshot(s.baton);
    const error = await expectError(
      await s.call('POST', '/v1/runs', { token: s.tokens.operate, body: { plan: PLANS.command } }),
      403,
      'forbidden',
    );
    expect(error.message).toBe(
      'plan "command" declares capabilities that act as the server\'s user, on its machine and network (sh (command)): to submit it needs the admin scope; token:operate has operate. Have an admin do it, or route its steps to capabilities the server registers',
    );
    expect(await storeSnapshot(s.baton)).toBe(before);
    const runId = await submit(s, PLANS.command);
    const { state } = await waitFor(
      () => s.baton.getRun(runId),
      ({ state: run }) => run.status !== 'running',
    );
    expect(state.status).toBe('succeeded');
    expect(state.steps.one?.output).toBe(1);
    await s.baton.close();
  });

  it('an internal failure is a 500 with an id; the details are in the log only', async () => {
    const s = await startServer();
    await s.baton.store.close();
    const error = await expectError(await s.call('GET', '/v1/runs'), 500, 'internal');
    const id = /id ([0-9a-f]{8})/.exec(error.message)?.[1];
    expect(id).toBeDefined();
    expect(error.message).not.toMatch(/database|sqlite/i);
    expect(s.logs.find((line) => line.includes(`internal error ${id}`))).toMatch(/database connection is not open/);
  });

  it('a tampered ledger is a 500 `integrity` for projections, and verify says where it broke', async () => {
    const s = await startServer();
    const runId = await submit(s, PLANS.quick);
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.status === 'succeeded',
    );
    const file = (s.baton.store as unknown as { file: string }).file;
    const db = new Database(file);
    db.prepare("UPDATE events SET data = replace(data, '1', '2') WHERE run_id = ? AND seq = 1").run(runId);
    db.close();
    expect((await expectError(await s.call('GET', `/v1/runs/${runId}/state`), 500, 'integrity')).message).toMatch(
      /fails verification at seq 1/,
    );
    const verdict = (await (await s.call('GET', `/v1/runs/${runId}/verify`)).json()) as { ok: boolean; seq: number };
    expect(verdict).toMatchObject({ ok: false, seq: 1 });
    await s.baton.close();
  });
});

describe('browsers: CORS is off unless one origin is allowed', () => {
  it('sends no CORS headers, and refuses a request from another origin', async () => {
    const s = await startServer();
    const same = await s.call('GET', '/v1/runs', { headers: { origin: 'http://localhost' } });
    expect(same.status).toBe(200);
    expect(same.headers.get('access-control-allow-origin')).toBeNull();
    const before = await storeSnapshot(s.baton);
    const error = await expectError(
      await s.call('POST', '/v1/context/objectives', {
        token: null,
        body: { text: 'x' },
        headers: { origin: 'https://evil.example' },
      }),
      403,
      'forbidden',
    );
    expect(error.message).toContain('--cors https://evil.example');
    expect(await storeSnapshot(s.baton)).toBe(before);
    await s.baton.close();
  });

  it("with --cors, answers that origin's preflight and requests, and no other origin", async () => {
    const s = await startServer({ corsOrigin: 'https://dash.example' });
    const preflight = await s.app.request('/v1/runs', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://dash.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const allowed = await s.call('GET', '/v1/runs', { headers: { origin: 'https://dash.example' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    await expectError(
      await s.call('GET', '/v1/runs', { headers: { origin: 'https://other.example' } }),
      403,
      'forbidden',
    );
    await s.baton.close();
  });
});

describe('a loopback server without tokens', () => {
  async function openServer(anonymousScopes?: readonly ApiScope[]) {
    const s = await startServer({
      auth: { anonymous: 'when-no-tokens', ...(anonymousScopes && { anonymousScopes }) },
    });
    for (const token of await s.baton.tokens.list()) await s.baton.tokens.revoke(token.id);
    return s;
  }

  it('lets requests without a token read, and refuses every act, changing nothing', async () => {
    const s = await startServer({ auth: { anonymous: 'when-no-tokens' } });
    const runId = await submit(s, PLANS.gated);
    await settledRun(s, runId);
    for (const token of await s.baton.tokens.list()) await s.baton.tokens.revoke(token.id);
    const before = await s.baton.events(runId);
    expect((await s.call('GET', `/v1/runs/${runId}`, { token: null })).status).toBe(200);

    const submitted = await expectError(
      await s.call('POST', '/v1/runs', { token: null, body: { plan: PLANS.gated } }),
      403,
      'forbidden',
    );
    expect(submitted.message).toBe(
      'this needs the operate scope; http:anonymous has read (send a token that has it (baton token create --scope operate), or start baton serve with --allow-anonymous)',
    );
    await expectError(
      await s.call('POST', `/v1/runs/${runId}/approvals`, { token: null, body: { target: 'ship' } }),
      403,
      'forbidden',
    );
    expect(await s.baton.events(runId)).toEqual(before);
    expect((await s.baton.listRuns({})).length).toBe(1);
    await s.baton.close();
  });

  it('with --allow-anonymous, serves requests without a token as http:anonymous with every scope, and records that name', async () => {
    const s = await openServer(API_SCOPES);
    const runId = await (async () => {
      const response = await s.call('POST', '/v1/runs', { token: null, body: { plan: PLANS.gated } });
      expect(response.status).toBe(201);
      return ((await response.json()) as { runId: string }).runId;
    })();
    await settledRun(s, runId);
    expect(
      (await s.call('POST', `/v1/runs/${runId}/approvals`, { token: null, body: { target: 'ship' } })).status,
    ).toBe(202);
    const events = await waitFor(
      () => s.baton.events(runId),
      (all) => all.some((e) => e.type === 'decision.made'),
    );
    expect(events[0]?.data).toMatchObject({ by: 'http:anonymous' });
    expect(events.find((e) => e.type === 'decision.made')?.data).toMatchObject({ by: 'http:anonymous' });
    await s.baton.close();
  });

  it('refuses a Host that is not loopback (a DNS rebinding page), and a wrong token', async () => {
    const s = await openServer();
    expect(
      (await expectError(await s.app.request('http://rebound.example/v1/runs'), 401, 'unauthorized')).message,
    ).toMatch(/localhost, 127\.0\.0\.1 or \[::1\]/);
    expect((await s.app.request('http://127.0.0.1:8080/v1/runs')).status).toBe(200);
    await expectError(await s.call('GET', '/v1/runs', { token: `baton_${'B'.repeat(43)}` }), 401, 'unauthorized');
    await s.baton.close();
  });

  it('requires tokens from the moment one exists', async () => {
    const s = await openServer();
    expect((await s.call('GET', '/v1/runs', { token: null })).status).toBe(200);
    await s.baton.tokens.create({ name: 'first', scopes: ['read'] });
    await expectError(await s.call('GET', '/v1/runs', { token: null }), 401, 'unauthorized');
    await s.baton.close();
  });
});
