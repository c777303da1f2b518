import { createRequire } from 'node:module';
import type * as Cel from '@marcbachmann/cel-js';
import type * as Yaml from 'yaml';

/**
 * Packages most processes that import Baton never call, loaded at their first use instead of
 * at import: the YAML parser (plan and registry files) and the CEL interpreter (expressions).
 * Importing them cost about 70 ms CPU each and 3.6 MB of resident memory together on every
 * `baton status`, every worker and every library user that only reads runs.
 *
 * `require` of an ES module is synchronous (Node >= 20.19, as package.json's `engines` says),
 * so the functions that parse plans and compile expressions stay synchronous, and it returns
 * the same module instance a later `import` does. The one Node built-in in src/core, on
 * purpose (eslint.config.js allows it here only): loading code is not the I/O the conductor's
 * purity is about; it reads no state and makes no decision differ.
 */
const load = createRequire(import.meta.url);

let cel: typeof Cel | undefined;
let yaml: typeof Yaml | undefined;

/** `@marcbachmann/cel-js`, loaded on the first call. */
export function celPackage(): typeof Cel {
  return (cel ??= load('@marcbachmann/cel-js') as typeof Cel);
}

/** `yaml`, loaded on the first call. */
export function yamlPackage(): typeof Yaml {
  return (yaml ??= load('yaml') as typeof Yaml);
}
