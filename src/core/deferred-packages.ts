import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Cel from '@marcbachmann/cel-js';
import type * as Yaml from 'yaml';
import type * as Zod from 'zod';

/**
 * Packages most processes that import Baton never call, loaded at their first use instead of
 * at import: the YAML parser (plan and registry files), the CEL interpreter (expressions) and
 * zod (the plan language and the schemas of what the surfaces take and give). Importing the
 * first two cost about 70 ms CPU each and 3.6 MB of resident memory together, zod's 95 modules
 * about 100 ms and 10 MB, on every `baton status`, every worker and every library user that
 * only reads runs.
 *
 * `require` of an ES module is synchronous (Node >= 20.19, as package.json's `engines` says),
 * so the functions that parse plans and compile expressions stay synchronous, and it returns
 * the same module instance a later `import` does. The one Node built-in in src/core, on
 * purpose (eslint.config.js allows it here only): loading code is not the I/O the conductor's
 * purity is about; it reads no state and makes no decision differ. (node:url only turns the
 * resolved URL of zod's ES build into the path `require` takes.)
 */
const load = createRequire(import.meta.url);

let cel: typeof Cel | undefined;
let yaml: typeof Yaml | undefined;
let zod: typeof Zod | undefined;

/** What `import * as Zod from 'zod'` gives: schema builders take it, so that they build on first use. */
export type ZodPackage = typeof Zod;

/** `@marcbachmann/cel-js`, loaded on the first call. */
export function celPackage(): typeof Cel {
  return (cel ??= load('@marcbachmann/cel-js') as typeof Cel);
}

/** `yaml`, loaded on the first call. */
export function yamlPackage(): typeof Yaml {
  return (yaml ??= load('yaml') as typeof Yaml);
}

/**
 * `zod`, loaded on the first call: its ES build, the instance `import { z } from 'zod'` gives
 * everywhere else (src/server, src/mcp, the MCP and AI SDKs). `require('zod')` would load its
 * CommonJS build, a second copy of its 95 modules in every process that also imports it, whose
 * `.describe()` and `.meta()` registry would be shared with the first only because this zod
 * release keeps it on globalThis. `import.meta.resolve` resolves as `import` does (the "import"
 * condition of zod's exports), and `require` of that file shares the ES module cache.
 */
export function zodPackage(): ZodPackage {
  return (zod ??= load(fileURLToPath(import.meta.resolve('zod'))) as ZodPackage);
}

/**
 * A schema (or a set of them) built with zod on the first call of the function returned, then
 * kept: a schema defined at module top level would load zod at import.
 * @example
 * export const actSignatureSchema = builtOnFirstUse(({ z }) => z.strictObject({ keyId: z.string() }));
 * actSignatureSchema().parse(given);
 */
export function builtOnFirstUse<T>(build: (zod: ZodPackage) => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build(zodPackage()) }).value;
}
