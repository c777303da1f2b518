import { resolve } from 'node:path';

/** The workspace directory: `BATON_HOME` when set, else `.baton` in the current directory. */
export function workspaceHome(explicit?: string): string {
  // An empty BATON_HOME means unset, not the current directory.
  return resolve(explicit || process.env.BATON_HOME || '.baton');
}

export function databaseFile(home: string): string {
  return resolve(home, 'baton.db');
}

/** Where a workspace's artifacts are stored (content-addressed) and attempts write theirs. */
export function artifactsRoot(home: string): string {
  return resolve(home, 'artifacts');
}
