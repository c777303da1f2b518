import { expect } from 'vitest';
import type { z } from 'zod';
import type { Plan } from '../../src/core/index.js';
import { createBaton, type Baton } from '../../src/engine/index.js';
import { AppendSignal, apiRoutes, createApp, type AppOptions, type Route } from '../../src/server/index.js';
import type { ApiScope } from '../../src/engine/index.js';
import type { Store } from '../../src/store/index.js';
import { tempDir } from '../support/temp.js';

export const SCOPES: ApiScope[] = ['read', 'operate', 'perform', 'approve', 'admin'];

export interface Server {
  baton: Baton;
  app: ReturnType<typeof createApp>;
  /** A secret per scope, each a token named after its scope (`token:read`, ...). */
  tokens: Record<ApiScope, string>;
  logs: string[];
  call(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Every route's documented schemas, by operation id. */
  routes: Map<string, Route>;
}

/**
 * An app over a real Baton on a fresh SQLite workspace, with one token per scope and the
 * function capabilities the test plans route to: `work` (echoes its input) and `writer`
 * (leaves an artifact).
 */
export async function startServer(options: Partial<AppOptions> = {}, store?: Store): Promise<Server> {
  const baton = await createBaton({ home: tempDir(), ...(store && { store }) });
  baton.register({ id: 'worker', skills: { work: 1 }, run: (input: unknown) => input });
  baton.register({
    id: 'writer',
    skills: { write: 1 },
    run: async (_input: unknown, context) => {
      await context.writeArtifact('report.txt', 'all good\n');
      return { written: true };
    },
  });
  const tokens = {} as Record<ApiScope, string>;
  for (const scope of SCOPES) tokens[scope] = (await baton.tokens.create({ name: scope, scopes: [scope] })).secret;
  const logs: string[] = [];
  const app = createApp({
    baton,
    auth: { anonymous: 'never' },
    log: (line) => logs.push(line),
    streams: { pollMs: 25, keepAliveMs: 1_000 },
    ...options,
  });
  const shutdown = new AbortController().signal;
  const routes = new Map(
    apiRoutes(
      { baton, appends: new AppendSignal(), timing: { pollMs: 25, keepAliveMs: 1_000 }, shutdown },
      () => undefined,
    ).map((route) => [route.operationId, route]),
  );
  const call: Server['call'] = async (method, path, { token = tokens.admin, body, headers = {} } = {}) =>
    app.request(path, {
      method,
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return { baton, app, tokens, logs, call, routes };
}

/** Asserts the error shape, status and code; returns the error. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
): Promise<{
  code: string;
  message: string;
  issues?: { path: (string | number)[]; message: string; line?: number }[];
}> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as {
    error: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
  };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(text).not.toMatch(/\n\s+at /); // never a stack
  return body.error;
}

/** The JSON of a success, held to the schema the route documents for that status. */
export async function expectDocumented(
  server: Server,
  operationId: string,
  response: Response,
  status: number,
): Promise<unknown> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as unknown;
  const schema = server.routes.get(operationId)?.responses[status]?.schema as z.ZodType | undefined;
  expect(schema, `${operationId} documents a schema for ${status}`).toBeDefined();
  const parsed = schema!.safeParse(body);
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues, null, 2)).toBe(true);
  return body;
}

/** Everything the store holds that a request could change: a refused request must leave it as it was. */
export async function storeSnapshot(baton: Baton): Promise<string> {
  const runs = await baton.store.listRuns({ limit: 1_000 });
  const events = await Promise.all(runs.map((run) => baton.store.readEvents(run.runId)));
  return JSON.stringify({
    runs,
    events,
    context: await baton.store.listContextEntries(),
    tokens: await baton.store.listApiTokens(),
  });
}

export async function waitFor<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  what = 'the condition',
): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the run's ledger has an event matching `match`. */
export function waitForEvent(
  baton: Baton,
  runId: string,
  match: (event: { type: string; data: Record<string, unknown> }) => boolean,
): Promise<unknown> {
  return waitFor(
    () => baton.events(runId),
    (events) => events.some((event) => match(event as { type: string; data: Record<string, unknown> })),
    `an event in ${runId}`,
  );
}

/** Plans the tests submit: they route to the functions registered above, and to people. */
export const PLANS = {
  /** Waits at the gate of phase `ship` after step `build`. */
  gated: {
    baton: 1,
    name: 'gated',
    phases: ['prep', { id: 'ship', gate: { approval: true } }],
    steps: {
      build: { skill: 'work', phase: 'prep', input: 'b' },
      deploy: { skill: 'work', phase: 'ship', after: ['build'], input: 'd' },
    },
  },
  /** Waits at the gate of `ship`, whose policy is false; only the `approve` token's principal may override it. */
  overridable: {
    baton: 1,
    name: 'overridable',
    phases: [
      'prep',
      { id: 'ship', gate: { all: [{ policy: 'false' }], override: { approval_by: ['token:approve'] } } },
    ],
    steps: {
      build: { skill: 'work', phase: 'prep', input: 'b' },
      deploy: { skill: 'work', phase: 'ship', after: ['build'], input: 'd' },
    },
  },
  /** Waits for a person's result of `review`. */
  human: {
    baton: 1,
    name: 'human',
    capabilities: { reviewer: { kind: 'human', skills: { review: 1 } } },
    steps: { review: { skill: 'review' } },
  },
  /** Waits for the signal `go`, then `after` runs. */
  signal: {
    baton: 1,
    name: 'signal',
    steps: { go: { await: { signal: 'go' } }, after: { skill: 'work', after: ['go'], input: '{{ steps.go.output }}' } },
  },
  /** Leaves an artifact, then waits for a person. */
  artifact: {
    baton: 1,
    name: 'artifact',
    capabilities: { reviewer: { kind: 'human', skills: { review: 1 } } },
    steps: { write: { skill: 'write' }, review: { skill: 'review', after: ['write'] } },
  },
  /** Runs to the end at once. */
  quick: {
    baton: 1,
    name: 'quick',
    inputs: { n: { type: 'integer', default: 1 } },
    steps: { one: { skill: 'work', input: '{{ inputs.n }}' } },
  },
  /** Declares a command capability: submitting it needs admin. */
  command: {
    baton: 1,
    name: 'command',
    capabilities: { sh: { kind: 'command', command: ['node', '-e', 'process.stdout.write("1")'], skills: { run: 1 } } },
    steps: { one: { skill: 'run' } },
  },
} satisfies Record<string, Plan>;

/** Submits a plan through the API and returns the run id once its first decisions are recorded. */
export async function submit(server: Server, plan: Plan, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await server.call('POST', '/v1/runs', { body: { plan, ...extra } });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return (JSON.parse(text) as { runId: string }).runId;
}

/** Waits until the run waits for something (a decision pending) or has ended. */
export function settledRun(server: Server, runId: string): Promise<unknown> {
  return waitFor(
    () => server.baton.getRun(runId),
    ({ state }) => state.status !== 'running' || state.pending.size > 0,
    `run ${runId} to wait or end`,
  );
}
