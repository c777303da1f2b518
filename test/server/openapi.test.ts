import { describe, expect, it } from 'vitest';
import { planJsonSchema } from '../../src/core/index.js';
import { openApiPath, type Mount } from '../../src/server/index.js';
import { expectError, startServer, type Server } from './harness.js';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        security: unknown[];
        parameters: { name: string; in: string }[];
        responses: Record<string, unknown>;
      }
    >
  >;
  components: { schemas: Record<string, unknown> };
};

async function documentOf(s: Server): Promise<Doc> {
  return (await (await s.call('GET', '/openapi.json', { token: null })).json()) as Doc;
}

/** Method and path of every handler the app registered (middleware registered for all methods left out). */
/** The app's API routes: not its middleware, nor the dashboard's pages (every other GET, `/*`). */
function registered(s: Server): Set<string> {
  return new Set(
    s.app.routes
      .filter((route) => route.method !== 'ALL' && route.path !== '/*')
      .map((route) => `${route.method.toLowerCase()} ${openApiPath(route.path)}`),
  );
}

function documented(doc: Doc): Set<string> {
  return new Set(
    Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    ),
  );
}

const echo: Mount = {
  name: 'echo',
  path: '/echo',
  methods: ['GET', 'POST'],
  scope: 'operate',
  summary: 'Says who asked',
  description: 'A mounted protocol, for this test.',
  fetch: async (request, { principal }) =>
    Response.json({ by: principal.by, method: request.method, url: new URL(request.url).pathname }),
};

describe('the OpenAPI document', () => {
  it('lists exactly the routes the app serves', async () => {
    const s = await startServer();
    const doc = await documentOf(s);
    expect(doc.openapi).toBe('3.1.0');
    expect(documented(doc)).toEqual(registered(s));
    expect(documented(doc).size).toBe(44);
    await s.baton.close();
  });

  it("resolves every reference, names each route's scope, and documents the error shape on every route", async () => {
    const s = await startServer();
    const doc = await documentOf(s);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of refs) {
      const name = /#\/components\/schemas\/([^"]+)"$/.exec(ref)?.[1];
      expect(name, ref).toBeDefined();
      expect(doc.components.schemas[name!], ref).toBeDefined();
    }
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        expect(op.responses['500'], `${method} ${path}`).toEqual({
          description: expect.any(String),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        });
        if (path.startsWith('/v1/'))
          expect(op.security, `${method} ${path}`).toEqual([
            { bearerAuth: [expect.stringMatching(/^(read|operate|perform|approve)$/)] },
          ]);
        for (const name of path.match(/\{(\w+)\}/g) ?? [])
          expect(
            op.parameters.some((p) => p.in === 'path' && `{${p.name}}` === name),
            `${method} ${path} ${name}`,
          ).toBe(true);
      }
    }
    expect(doc.paths['/v1/runs/{id}/events']?.get?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual([
      'path:id',
      'query:after',
      'header:Last-Event-ID',
    ]);
    await s.baton.close();
  });

  it('shows the plan language schema in plan bodies: the same schema `baton schema` prints', async () => {
    const s = await startServer();
    const doc = await documentOf(s);
    const plan = planJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    const component = doc.components.schemas.Plan as typeof plan;
    expect(Object.keys(component.properties)).toEqual(Object.keys(plan.properties));
    expect(component.required).toEqual(plan.required);
    expect(component.properties.steps).toEqual(expect.objectContaining({ type: 'object' }));
    expect(JSON.stringify(doc.components.schemas.SubmitRunRequest)).toContain('#/components/schemas/Plan');
    await s.baton.close();
  });

  it('renders the reference page from the document, every operation on it, with no script', async () => {
    const s = await startServer();
    const doc = await documentOf(s);
    const html = await (await s.call('GET', '/docs', { token: null })).text();
    for (const operations of Object.values(doc.paths))
      for (const op of Object.values(operations)) expect(html).toContain(`id="${op.operationId}"`);
    expect(html).not.toMatch(/<script|https?:\/\/(?!json-schema)/i);
    await s.baton.close();
  });
});

describe('mounted protocols (the seam for /mcp)', () => {
  it('are served behind the same authentication and scope check, get the principal, and are in the document', async () => {
    const s = await startServer({ mounts: [echo] });
    expect(await (await s.call('POST', '/echo/deeper', { token: s.tokens.operate })).json()).toEqual({
      by: 'token:operate',
      method: 'POST',
      url: '/echo/deeper',
    });
    await expectError(await s.call('GET', '/echo', { token: null }), 401, 'unauthorized');
    await expectError(await s.call('GET', '/echo', { token: s.tokens.read }), 403, 'forbidden');
    const doc = await documentOf(s);
    expect(Object.keys(doc.paths['/echo'] ?? {})).toEqual(['get', 'post']);
    expect(documented(doc)).toEqual(new Set([...registered(s)].filter((route) => !route.endsWith('/echo/*'))));
    await s.baton.close();
  });
});
