import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ApiErrorCode, httpStatusFor } from '../../src/server/errors.js';
import { PLANS, settledRun, startServer, submit, type Server } from '../server/harness.js';
import { FUZZ_TIMEOUT_MS, fuzzOptions } from './budget.js';
import { mutate } from './plan-arbitrary.js';

/**
 * Arbitrary requests against the real app over a real SQLite workspace. Whatever comes in:
 * never a 500 (an internal error), every refusal in the one error shape with a documented
 * code and the status that code maps to, and a refused request adds or removes no row.
 */

const CODES = new Set<string>(Object.values(ApiErrorCode));

let server: Server;
let database: Database.Database;
let runIds: string[] = [];

/** Rows per table of the workspace's SQLite file, read through a second connection. */
function rowCounts(): Record<string, number> {
  const tables = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
    name: string;
  }[];
  return Object.fromEntries(
    tables.map(({ name }) => [
      name,
      (database.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
    ]),
  );
}

/** Waits until the runs a successful request started stop writing (they end or wait on a person). */
async function quiesce(): Promise<void> {
  let last = JSON.stringify(rowCounts());
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = JSON.stringify(rowCounts());
    if (now === last) return;
    last = now;
  }
}

beforeAll(async () => {
  server = await startServer({ rateLimit: { perSecond: 1_000_000, burst: 1_000_000 }, maxBodyBytes: 64 * 1024 });
  runIds = [await submit(server, PLANS.gated), await submit(server, PLANS.human), await submit(server, PLANS.signal)];
  for (const runId of runIds) await settledRun(server, runId);
  const file = (server.baton.store as unknown as { file: string }).file;
  database = new Database(file, { readonly: true, fileMustExist: true });
});

afterAll(async () => {
  database.close();
  await server.baton.close();
});

const segment = fc.oneof(
  fc.constantFrom(
    'nope',
    'build',
    'deploy',
    'review',
    'go',
    '..',
    '.',
    '%2e%2e',
    '%00',
    '%ZZ',
    '%2F',
    'a'.repeat(3_000),
    '__proto__',
    'constructor',
    '😀',
    ' ',
  ),
  fc.string({ maxLength: 12 }).map((text) => encodeURIComponent(text)),
);

/**
 * A method and path: mostly a real route with its own method and its parameters filled (with
 * a real run id or junk), sometimes another method or no route at all.
 */
function targetArbitrary(): fc.Arbitrary<{ method: string; path: string }> {
  const routes = [...server.routes.values()].map((route) => ({ method: route.method.toUpperCase(), path: route.path }));
  const filled = fc
    .tuple(
      fc.constantFrom(...routes),
      fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...runIds) }, segment), { minLength: 3, maxLength: 3 }),
    )
    .map(([route, values]) => {
      let i = 0;
      return {
        method: route.method,
        path: route.path.replace(/:[A-Za-z0-9_]+/g, () => values[i++ % values.length] ?? 'x'),
      };
    });
  const query = fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    fc.constantFrom(
      '?limit=2',
      '?limit=-1',
      '?limit=abc',
      '?cursor=zzz',
      '?after=99999999999999999999',
      '?x=1',
      '?limit=1&limit=2',
      '?%zz=1',
    ),
    fc.string({ maxLength: 10 }).map((text) => `?${encodeURIComponent(text)}=${encodeURIComponent(text)}`),
  );
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS');
  const elsewhere = fc
    .tuple(
      method,
      fc.oneof(
        fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
        fc.constantFrom('/', '//v1//runs', '/v1/runs/', '/V1/RUNS', '/openapi.json', '/docs', '/v1/events'),
        filled.map((target) => target.path),
      ),
    )
    .map(([m, path]) => ({ method: m, path }));
  return fc
    .tuple(fc.oneof({ weight: 5, arbitrary: filled }, { weight: 2, arbitrary: elsewhere }), query)
    .map(([target, q]) => ({ method: target.method, path: target.path + q }));
}

const planSources = [PLANS.gated, PLANS.human, PLANS.signal, PLANS.quick, PLANS.artifact];

/** Bodies from nothing through junk to near-valid plans, so deep validation is reached. */
const bodyArbitrary: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    '',
    ' ',
    '{',
    '{"a":',
    'null',
    '[]',
    '"x"',
    '1e999',
    '{"__proto__": {"polluted": true}}',
    '\u0000',
    '{"plan": "baton: 1\\nname: x\\nsteps: {a: {skill: work}}\\n"}',
  ),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc
    .dictionary(
      fc.constantFrom(
        'plan',
        'inputs',
        'target',
        'comment',
        'name',
        'data',
        'output',
        'text',
        'reason',
        'revision',
        'artifact',
        'idempotencyKey',
      ),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 4 },
    )
    .map((value) => JSON.stringify(value)),
  // Well-formed operator bodies (a signal, a gate, a person's result, a reason), so that requests to
  // the routes that act on a run get past validation to the run's state and, sometimes, succeed.
  fc.constantFrom(
    '{"name": "go", "data": 1}',
    '{"name": "fuzz"}',
    '{"target": "ship"}',
    '{"target": "ship", "comment": "fuzz"}',
    '{"step": "review", "output": {"ok": true}}',
    '{"reason": "fuzz"}',
  ),
  fc
    .constantFrom(...planSources)
    .chain(mutate)
    .map((plan) => JSON.stringify({ plan })),
  fc
    .constantFrom(...planSources)
    .chain(mutate)
    .map((plan) => JSON.stringify({ plan: stringify(plan) })),
  fc.integer({ min: 1_000, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1_000, max: 20_000 }).map((depth) => `{"plan":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
  // Plan text nested deeper than the YAML parser's stack (it once aborted the process).
  fc.integer({ min: 100, max: 20_000 }).map((depth) => JSON.stringify({ plan: '['.repeat(depth) + ']'.repeat(depth) })),
  fc.constant(JSON.stringify({ text: 'x'.repeat(70 * 1024) })), // over the 64 KiB limit
);

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'json',
  '*/*',
  'application/json; charset=latin1',
);

const headerName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
  .filter((name) => !['host', 'content-length', 'transfer-encoding', 'connection'].includes(name));
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/).map((value) => value.trim());

function requestArbitrary() {
  return fc.record({
    target: targetArbitrary(),
    token: fc.oneof(
      { weight: 6, arbitrary: fc.constant('admin' as const) },
      fc.constantFrom<keyof Server['tokens'] | 'none' | 'junk' | 'long'>(
        'operate',
        'approve',
        'read',
        'none',
        'junk',
        'long',
      ),
    ),
    contentType,
    body: bodyArbitrary,
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 3 }),
    origin: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      fc.constantFrom('http://localhost', 'https://evil.example', 'null'),
    ),
  });
}

type FuzzRequest = ReturnType<typeof requestArbitrary> extends fc.Arbitrary<infer T> ? T : never;

function authorization(token: FuzzRequest['token']): string | undefined {
  if (token === 'none') return undefined;
  if (token === 'junk') return 'Bearer not-a-token';
  if (token === 'long') return `Bearer baton_${'A'.repeat(10_000)}`;
  return `Bearer ${server.tokens[token]}`;
}

async function send(request: FuzzRequest): Promise<Response> {
  const headers: Record<string, string> = { ...request.headers };
  const auth = authorization(request.token);
  if (auth) headers.authorization = auth;
  if (request.contentType) headers['content-type'] = request.contentType;
  if (request.origin) headers.origin = request.origin;
  const { method, path } = request.target;
  const withBody = request.body !== undefined && method !== 'GET' && method !== 'HEAD';
  return server.app.request(path, { method, headers, ...(withBody && { body: request.body }) });
}

describe('the HTTP API under arbitrary requests', { timeout: FUZZ_TIMEOUT_MS }, () => {
  it('never answers 500; every error has the one shape, a known code and its status; a refusal writes no row', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(), async (request) => {
        const { method, path } = request.target;
        const before = rowCounts();
        const response = await send(request);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const type = response.headers.get('content-type') ?? '';
        if (type.includes('text/event-stream')) {
          await response.body?.cancel();
          return;
        }
        const text = await response.text();
        expect(response.status, `${method} ${path.slice(0, 120)}: ${text.slice(0, 300)}`).not.toBe(500);
        expect(text).not.toMatch(/\n\s+at /); // never a stack
        if (response.status >= 400 && method !== 'HEAD') {
          expect(type).toMatch(/^application\/json/);
          const body = JSON.parse(text) as { error: { code: string; message: string; issues?: { path: unknown[] }[] } };
          expect(Object.keys(body)).toEqual(['error']);
          expect(CODES.has(body.error.code), body.error.code).toBe(true);
          expect(httpStatusFor(body.error.code as ApiErrorCode)).toBe(response.status);
          expect(body.error.message.length).toBeGreaterThan(0);
          for (const issue of body.error.issues ?? []) expect(Array.isArray(issue.path)).toBe(true);
        }
        if (response.status >= 400)
          expect(rowCounts(), `${method} ${path.slice(0, 120)} was refused but wrote`).toEqual(before);
        else if (method !== 'GET' && method !== 'HEAD') await quiesce();
      }),
      {
        ...fuzzOptions<[FuzzRequest]>(400),
        // A signal to a waiting run, first: random requests succeed in acting on a run (202) too
        // rarely to count on, and the check below wants the whole range of answers in every run.
        examples: [
          [
            {
              target: { method: 'POST', path: `/v1/runs/${runIds[0]}/signals` },
              token: 'admin',
              contentType: 'application/json',
              body: '{"name": "fuzz", "data": 1}',
              headers: {},
              origin: undefined,
            },
          ],
        ],
      },
    );
    // The generators reach past the front door: refusals of several kinds, and some successes.
    const seen = [...statuses.keys()];
    for (const status of [200, 202, 400, 401, 403, 404, 413, 415])
      expect(seen, `saw ${JSON.stringify(Object.fromEntries(statuses))}`).toContain(status);
  });

  it('a submitted plan, mutated: 201 with a new run, or 400 naming where in the body, and nothing written', async () => {
    const outcomes = { created: 0, refused: 0 };
    const submission = fc.tuple(
      fc.constantFrom('/v1/runs', '/v1/plans/validate', '/v1/plans/preflight'),
      fc.constantFrom(...planSources).chain((plan) => fc.oneof(fc.constant(plan), mutate(plan))),
      fc.boolean(),
      fc.option(fc.dictionary(fc.constantFrom('n', 'x', '__proto__'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), {
        nil: undefined,
      }),
    );
    await fc.assert(
      fc.asyncProperty(submission, async ([path, plan, asYaml, inputs]) => {
        const before = rowCounts();
        const response = await server.call('POST', path, {
          body: { plan: asYaml ? stringify(plan) : plan, ...(inputs !== undefined && { inputs }) },
        });
        const text = await response.text();
        expect([200, 201, 400], text.slice(0, 300)).toContain(response.status);
        if (response.status === 400) {
          outcomes.refused++;
          const { error } = JSON.parse(text) as {
            error: { code: string; issues?: { path: unknown[]; line?: number }[] };
          };
          expect(['plan_invalid', 'bad_input']).toContain(error.code);
          for (const issue of error.issues ?? []) expect(issue.path[0], text.slice(0, 300)).toBe('body');
          expect(rowCounts()).toEqual(before);
        } else if (response.status === 201) {
          outcomes.created++;
          expect(rowCounts().runs).toBe((before.runs ?? 0) + 1);
          await quiesce();
        }
      }),
      fuzzOptions(150),
    );
    expect(outcomes.created).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('plan text whose YAML aliases cannot be resolved is a 400 with a line, not a 500 (a bug these tests found)', async () => {
    const before = rowCounts();
    for (const plan of [
      'baton: 1\nname: x\nsteps: { a: { skill: work, input: *nope } }\n',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\n${'bcdefghijkl'
        .split('')
        .map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghijk'[i]}`).join(', ')}]`)
        .join('\n')}\n`,
    ]) {
      const response = await server.call('POST', '/v1/runs', { body: { plan } });
      const { error } = (await response.json()) as {
        error: { code: string; issues: { path: unknown[]; message: string; line?: number }[] };
      };
      expect(response.status).toBe(400);
      expect(error.code).toBe('plan_invalid');
      expect(error.issues[0]).toMatchObject({ path: ['body', 'plan'], line: expect.any(Number) });
      expect(error.issues[0]?.message).toMatch(/alias/i);
    }
    expect(rowCounts()).toEqual(before);
  });

  it('a template giving a number JSON cannot hold fails its step as data, not the request (a bug these tests found)', async () => {
    // `1.0 / 0.0` is Infinity; the ledger's canonical JSON refuses it, and the submission was a 500.
    const plan = {
      baton: 1,
      name: 'infinite',
      steps: { a: { skill: 'work', input: { x: '{{ 1.0 / 0.0 }}' }, on_failure: 'fail' } },
    };
    const response = await server.call('POST', '/v1/runs', { body: { plan } });
    expect(response.status, await response.clone().text()).toBe(201);
    const { runId } = (await response.json()) as { runId: string };
    const { state } = (await settledRun(server, runId)) as {
      state: { status: string; steps: Record<string, { error: { type: string; message: string } | null }> };
    };
    expect(state.status).toBe('failed');
    expect(state.steps.a?.error).toMatchObject({
      type: 'expression',
      message: expect.stringMatching(/Infinity is not a number JSON can hold/),
    });
  });
});
