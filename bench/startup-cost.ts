import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What one process cost: its CPU time and its peak resident set. */
export interface ProcessCost {
  cpuMs: number;
  maxRssKB: number;
}

/** The start-up costs of one built tree: importing the library, `baton --version`, `baton status`. */
export interface StartupCost {
  libraryImport: ProcessCost;
  version: ProcessCost;
  status: ProcessCost;
}

const USAGE_ON_EXIT = pathToFileURL(fileURLToPath(new URL('./usage-on-exit.js', import.meta.url))).href;

/** Runs `node ARGS` in `cwd` with the usage preload and returns what the process reported about itself. */
function processCost(args: string[], cwd: string): ProcessCost {
  const result = spawnSync(process.execPath, ['--import', USAGE_ON_EXIT, ...args], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  const line = result.stderr
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith('bench-usage '));
  if (result.status !== 0 || line === undefined)
    throw new Error(`\`node ${args.join(' ')}\` in ${cwd} exited with ${result.status}: ${result.stderr.trim()}`);
  return JSON.parse(line.slice('bench-usage '.length)) as ProcessCost;
}

/**
 * Makes `workspace` a workspace with one finished run (the quickstart, run by `root`'s own
 * CLI), so that `baton status` has a store to open and a run to list.
 */
export function prepareStatusWorkspace(root: string, workspace: string): void {
  const bin = join(root, 'bin/baton.js');
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error(`${root} is not built: run \`npm run build\` there`);
  const result = spawnSync(process.execPath, [bin, '--home', workspace, 'run', 'examples/quickstart.yaml'], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`the quickstart did not run in ${root}: ${result.stderr.trim()}`);
}

/** One reading of each start-up cost of the built tree at `root` (a workspace from prepareStatusWorkspace). */
export function startupCost(root: string, workspace: string): StartupCost {
  const bin = join(root, 'bin/baton.js');
  return {
    libraryImport: processCost(['--input-type=module', '-e', "await import('./dist/index.js')"], root),
    version: processCost([bin, '--version'], root),
    status: processCost([bin, '--home', workspace, 'status'], root),
  };
}
