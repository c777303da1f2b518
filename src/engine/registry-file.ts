import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  BatonError,
  decodePlanBytes,
  ErrorCode,
  parseWorkspaceRegistry,
  PlanError,
  type PlanIssue,
  type WorkspaceRegistry,
} from '../core/index.js';
import { preflightInPlanDirectory } from '../capabilities/index.js';
import { hashPlan } from '../ledger/index.js';

/** The file a workspace registry is read from when none is named and it exists. */
export const DEFAULT_REGISTRY_FILE = 'baton.yaml';

/** A workspace registry as read: its file, its content hash (recorded in each run), its content. */
export interface LoadedRegistry {
  readonly file: string;
  readonly hash: string;
  readonly registry: WorkspaceRegistry;
}

/**
 * Reads a workspace registry file (YAML or JSON, UTF-8). Relative paths in it mean the
 * registry file's directory, as a plan file's mean its own: each capability's kind resolves its
 * config there (a command's `cwd` becomes absolute). Throws PlanError with file:line:col.
 * @example
 * const { hash, registry } = await loadRegistryFile('baton.yaml');
 */
export async function loadRegistryFile(file: string): Promise<LoadedRegistry> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new BatonError(ErrorCode.badInput, `cannot read registry file ${file}: ${why}`);
  }
  const parsed = parseWorkspaceRegistry(decodePlanBytes(bytes, file), file);
  const directory = dirname(resolve(file));
  const issues: PlanIssue[] = [];
  const capabilities = Object.fromEntries(
    Object.entries(parsed.capabilities ?? {}).map(([id, capability]) => {
      const checked = preflightInPlanDirectory(capability, directory);
      for (const { path, message } of checked.issues)
        issues.push({ path: ['capabilities', id, ...path], file, message });
      return [id, checked.config];
    }),
  );
  if (issues.length > 0) throw new PlanError(issues);
  const registry = parsed.capabilities === undefined ? parsed : { ...parsed, capabilities };
  return { file, hash: hashPlan(registry), registry };
}

/**
 * The workspace registry a process uses: the file named (`--registry`), else `BATON_REGISTRY`,
 * else `./baton.yaml` when it exists; undefined when none is named and there is no
 * `./baton.yaml` (no workspace registry: plans declare their own capabilities, as before).
 * A file named but missing is an error, never silently no registry.
 * @example
 * const workspace = await workspaceRegistry(options.registry, process.env.BATON_REGISTRY);
 */
export async function workspaceRegistry(
  named: string | undefined,
  fromEnvironment: string | undefined,
): Promise<LoadedRegistry | undefined> {
  const file = named ?? (fromEnvironment || undefined);
  if (file !== undefined) return loadRegistryFile(file);
  return existsSync(DEFAULT_REGISTRY_FILE) ? loadRegistryFile(DEFAULT_REGISTRY_FILE) : undefined;
}
