import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatonError, ErrorCode } from '../core/index.js';
import type { FunctionCapability } from '../capabilities/index.js';

const SHAPE =
  'a JavaScript module whose default export (or export `capabilities`) is a list of function capabilities: [{ id, skills, run }]';

/**
 * Loads the function capabilities of `--capabilities FILE`: code a worker (or an engine) can
 * run, which a plan file cannot carry. The module is imported, so it runs with this process's
 * rights: point it only at code you trust. Each capability is checked again by `register`.
 * @example
 * // capabilities.mjs
 * export default [{ id: 'embed', skills: { embed: 0.9 }, run: async (text) => embed(text) }];
 */
export async function loadCapabilitiesFile(file: string): Promise<FunctionCapability[]> {
  const path = resolve(file);
  if (!existsSync(path))
    throw new BatonError(ErrorCode.badInput, `--capabilities: no file at ${path}; expected ${SHAPE}`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new BatonError(ErrorCode.badInput, `--capabilities: could not load ${file}: ${(error as Error).message}`);
  }
  const list = module.capabilities ?? module.default;
  if (!Array.isArray(list))
    throw new BatonError(
      ErrorCode.badInput,
      `--capabilities: ${file} exports no list of capabilities; expected ${SHAPE}`,
    );
  const seen = new Set<string>();
  list.forEach((entry: unknown, index) => {
    const where = `--capabilities: ${file}, capability ${index + 1}`;
    if (typeof entry !== 'object' || entry === null)
      throw new BatonError(ErrorCode.badInput, `${where} is not an object; expected { id, skills, run }`);
    const { id, run } = entry as Partial<FunctionCapability>;
    if (typeof id !== 'string') throw new BatonError(ErrorCode.badInput, `${where} has no string id`);
    if (typeof run !== 'function') throw new BatonError(ErrorCode.badInput, `${where} ("${id}") has no run function`);
    if (seen.has(id)) throw new BatonError(ErrorCode.badInput, `${where}: the id "${id}" is used twice`);
    seen.add(id);
  });
  return list as FunctionCapability[];
}
