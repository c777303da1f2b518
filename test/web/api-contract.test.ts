import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../web/src/api/endpoints.js';
import { startServer } from '../server/harness.js';

type Schema = {
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
interface Operation {
  security?: unknown;
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Every property an answer of this schema may have (through references and unions). */
function propertiesOf(doc: Doc, schema: Schema | undefined): Map<string, Schema> {
  const found = new Map<string, Schema>();
  if (!schema) return found;
  if (schema.$ref) return propertiesOf(doc, doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
  for (const [key, value] of Object.entries(schema.properties ?? {})) found.set(key, value);
  for (const part of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    for (const [key, value] of propertiesOf(doc, part)) found.set(key, value);
  return found;
}

describe("the dashboard's API client against /openapi.json", () => {
  it('uses only routes the server documents, sends only query parameters they take, and reads only fields their answers have', async () => {
    const s = await startServer();
    const doc = (await (await s.call('GET', '/openapi.json', { token: null })).json()) as Doc;
    for (const [name, endpoint] of Object.entries(ENDPOINTS)) {
      const operation = doc.paths[endpoint.path]?.[endpoint.method];
      expect(
        operation,
        `${name}: ${endpoint.method.toUpperCase()} ${endpoint.path} is not in the document`,
      ).toBeDefined();
      if ('asks' in endpoint) {
        const documented = (operation!.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => parameter.name);
        for (const parameter of endpoint.asks)
          expect(documented, `${name} sends "${parameter}", which ${endpoint.path} does not document`).toContain(
            parameter,
          );
      }
      const success = Object.entries(operation!.responses).find(([status]) => status.startsWith('2'))?.[1];
      const schema = success?.content?.['application/json']?.schema;
      const properties = propertiesOf(doc, schema);
      for (const field of endpoint.reads)
        expect(
          properties.has(field),
          `${name} reads "${field}", which the answer of ${endpoint.path} does not have`,
        ).toBe(true);
      if ('item' in endpoint) {
        const items = propertiesOf(doc, properties.get(endpoint.reads[0] as string)?.items);
        for (const field of endpoint.item)
          expect(items.has(field), `${name} reads "${field}" of each of ${endpoint.reads[0]}`).toBe(true);
      }
    }
    await s.baton.close();
  });
});
