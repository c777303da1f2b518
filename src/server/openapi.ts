import { z } from 'zod';
import { planSchemas } from '../core/index.js';
import { PlanField } from './plan-input.js';
import type { Route } from './route.js';
import { ErrorResponse } from './schemas/common.js';
import { LedgerEventSchema, RecordedResponse } from './schemas/events.js';
import { PendingSchema, RunSummarySchema, RunViewSchema, StepRowSchema } from './schemas/runs.js';
import type { Mount } from './mount.js';

const PlanSchema = planSchemas().Plan;

type JsonSchema = Record<string, unknown>;

/** Schemas used in many places get a name of their own in `components.schemas`. */
const NAMED: [z.ZodType, string][] = [
  [ErrorResponse, 'Error'],
  [PlanSchema, 'Plan'],
  [LedgerEventSchema, 'LedgerEvent'],
  [RecordedResponse, 'Recorded'],
  [RunViewSchema, 'Run'],
  [RunSummarySchema, 'RunSummary'],
  [StepRowSchema, 'Step'],
  [PendingSchema, 'PendingDecision'],
];

const REF = '#/components/schemas/';

function pascal(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `/v1/runs/:id` as OpenAPI writes it: `/v1/runs/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * zod puts schemas it meets more than once (JSON values, here) under a `__shared` entry and
 * refers to them as `#/components/schemas/__shared#/$defs/x`, which is not a JSON pointer an
 * OpenAPI tool resolves: they become components of their own. `$id` and `$schema` go too:
 * OpenAPI 3.1's dialect is JSON Schema 2020-12 already, and the ids are only zod's bookkeeping.
 */
function tidy(schemas: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const shared = (schemas.__shared?.$defs ?? {}) as Record<string, JsonSchema>;
  const all: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) if (id !== '__shared') all[id] = schema;
  for (const [id, schema] of Object.entries(shared)) all[`Shared_${id}`] = schema;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$id' || key === '$schema') continue;
      out[key] =
        key === '$ref' && typeof inner === 'string'
          ? inner.replace(`${REF}__shared#/$defs/`, `${REF}Shared_`)
          : rewrite(inner);
    }
    return out;
  };
  return rewrite(all) as Record<string, JsonSchema>;
}

/** Every request body and response schema, named, converted in one pass so that they refer to each other. */
function componentSchemas(routes: readonly Route[]): {
  schemas: Record<string, JsonSchema>;
  refOf: (schema: z.ZodType) => JsonSchema;
} {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  const name = (schema: z.ZodType, id: string) => {
    if (ids.has(schema)) return;
    ids.set(schema, id);
    registry.add(schema, { id });
  };
  for (const [schema, id] of NAMED) name(schema, id);
  for (const route of routes) {
    if (route.body) name(route.body, `${pascal(route.operationId)}Request`);
    for (const [status, response] of Object.entries(route.responses))
      if (response.schema)
        name(response.schema, `${pascal(route.operationId)}Response${status === '200' ? '' : status}`);
  }
  const converted = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `${REF}${id}`,
    // A plan in a request is checked loosely by zod (the plan language's own checks say more); the document shows it in full.
    override: (ctx) => {
      if (ctx.zodSchema !== PlanField) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[key];
      Object.assign(ctx.jsonSchema, {
        description: PlanField.description,
        anyOf: [{ $ref: `${REF}Plan` }, { type: 'string', description: 'the plan as YAML or JSON text' }],
      });
    },
  });
  const schemas = tidy(converted.schemas as Record<string, JsonSchema>);
  return { schemas, refOf: (schema) => ({ $ref: `${REF}${ids.get(schema) as string}` }) };
}

/** Path, query or header parameters from a strict object schema. */
function parameters(where: 'path' | 'query', schema: z.ZodType | undefined): JsonSchema[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description !== undefined && { description }),
      schema: rest,
    };
  });
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `${REF}Error` } } },
});

/** The errors a route can answer with, from what it takes and whether it needs a token. */
function errorResponses(route: Route): Record<string, unknown> {
  const errors: Record<string, unknown> = { 400: errorResponse('bad input: `issues` say where (nothing was written)') };
  if (route.scope !== null) {
    errors[401] = errorResponse('no token, or not a valid one');
    errors[403] = errorResponse('the token lacks the scope, or the request came from a web origin that is not allowed');
  }
  if (route.params) errors[404] = errorResponse('no such run (or step, artifact, objective)');
  if (route.method === 'post')
    errors[409] = errorResponse(
      "the run's state does not allow it (it has ended, the decision is not pending, another process conducts it)",
    );
  if (route.body) {
    errors[413] = errorResponse('the body is larger than the server allows');
    errors[415] = errorResponse('the body is not JSON');
  }
  if (route.scope !== null)
    errors[429] = errorResponse("too many requests for the token's rate limit (see Retry-After)");
  errors[500] = errorResponse(
    "an internal error (its id is in the message and the server log), or stored data that fails verification (`integrity`: a ledger, an artifact's content)",
  );
  return errors;
}

export interface DocumentInfo {
  version: string;
}

/**
 * The OpenAPI 3.1 document of the routes and mounts, built from the same zod schemas that
 * validate requests: what is documented is what is checked.
 */
export function openApiDocument(routes: readonly Route[], mounts: readonly Mount[], info: DocumentInfo): JsonSchema {
  const { schemas, refOf } = componentSchemas(routes);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const type = response.contentType ?? 'application/json';
      responses[status] = {
        description: response.description,
        ...(response.schema || type !== 'application/json'
          ? { content: { [type]: response.schema ? { schema: refOf(response.schema) } : {} } }
          : {}),
      };
    }
    const operation = {
      operationId: route.operationId,
      tags: [route.tag],
      summary: route.summary,
      description: [route.description, route.scope !== null ? `Scope: \`${route.scope}\`.` : 'Public: no token needed.']
        .filter(Boolean)
        .join('\n\n'),
      ...(route.scope !== null
        ? { security: [{ bearerAuth: [route.scope] }], 'x-baton-scope': route.scope }
        : { security: [] }),
      parameters: [
        ...parameters('path', route.params),
        ...parameters('query', route.query),
        ...(route.headers ?? []).map((header) => ({
          name: header.name,
          in: 'header',
          required: false,
          description: header.description,
          schema: { type: 'string' },
        })),
      ],
      ...(route.body && {
        requestBody: { required: true, content: { 'application/json': { schema: refOf(route.body) } } },
      }),
      responses: { ...responses, ...errorResponses(route) },
    };
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  for (const mount of mounts) {
    for (const method of mount.methods) {
      (paths[mount.path] ??= {})[method.toLowerCase()] = {
        operationId: `${mount.name}${pascal(method.toLowerCase())}`,
        tags: [mount.name],
        summary: mount.summary,
        description: `${mount.description}\n\nScope: \`${mount.scope}\`.`,
        security: [{ bearerAuth: [mount.scope] }],
        'x-baton-scope': mount.scope,
        responses: {
          default: { description: 'as the mounted protocol defines' },
          401: errorResponse('no token, or not a valid one'),
          403: errorResponse('the token lacks the scope'),
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baton HTTP API',
      version: info.version,
      description:
        'Runs, approvals, signals and the ledger of a Baton workspace. Bearer tokens with scopes (`read`, `operate`, `approve`, `admin`; admin may do everything) come from `baton token create`. Errors are `{ "error": { "code", "message", "issues"? } }`. See docs/api.md.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'a token from `baton token create --scope ...`' },
      },
    },
  };
}
