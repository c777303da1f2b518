import { BatonError, ErrorCode, formatIssue, InputError, PlanError } from '../core/index.js';
import { existsSync } from 'node:fs';
import type { FunctionCapability } from '../capabilities/index.js';
import {
  createBaton,
  databaseFile,
  workspaceHome,
  workspaceRegistry,
  type Baton,
  type LoadedRegistry,
} from '../engine/index.js';
import { databaseUrl, leaseFromEnvironment, openPostgres, payloadThresholdFromEnvironment } from './database.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { paint } from './format.js';

/** Options every command shares. */
export interface GlobalOptions {
  home?: string;
  /** A PostgreSQL URL: use that shared store instead of the workspace's SQLite file. */
  db?: string;
  /** The schema holding Baton's tables in that database. */
  dbSchema?: string;
  json?: boolean;
  /** The workspace registry file (`--registry`). */
  registry?: string;
}

/** A failure the command already explained; carries its exit code to `main`. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** Prints an error the way users should see it: what, where, what would be valid. Never a stack for their mistakes. */
export function reportError(error: unknown, json: boolean): number {
  if (error instanceof CliExit) return error.exitCode;
  const code = exitCodeFor(error);
  const err = paint(process.stderr);
  if (json) {
    const body =
      error instanceof PlanError || error instanceof InputError
        ? {
            error: {
              code: error.code,
              message: error instanceof PlanError ? 'invalid plan' : 'invalid input',
              issues: error.issues,
            },
          }
        : {
            error: {
              code: error instanceof BatonError ? error.code : ErrorCode.internal,
              message: (error as Error).message,
            },
          };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return code;
  }
  if (error instanceof PlanError || error instanceof InputError) {
    const heading = error instanceof PlanError ? 'baton: invalid plan' : 'baton: invalid input';
    process.stderr.write(
      `${err('red', heading)}\n${error.issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}\n`,
    );
  } else if (error instanceof BatonError) {
    process.stderr.write(`${err('red', 'baton:')} ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${err('red', 'baton: internal error:')} ${message}\n`);
    if (process.env.BATON_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    else process.stderr.write('  (set BATON_DEBUG=1 to see where; please report it)\n');
  }
  return code === ExitCode.ok ? ExitCode.internal : code;
}

/**
 * Opens the workspace for one command and always closes it. Commands that only read
 * (`existing: true`) refuse to create a workspace where there is none.
 */
export function workspaceExists(options: GlobalOptions): boolean {
  return databaseUrl(options.db) !== undefined || existsSync(databaseFile(workspaceHome(options.home)));
}

/**
 * The workspace registry of a command that admits or validates plans: `--registry`, else
 * `BATON_REGISTRY`, else `./baton.yaml` when it exists, else none.
 * @example
 * const workspace = await cliRegistry(options);
 */
export function cliRegistry(options: GlobalOptions): Promise<LoadedRegistry | undefined> {
  return workspaceRegistry(options.registry, process.env.BATON_REGISTRY);
}

export async function withBaton<T>(
  options: GlobalOptions & {
    concurrency?: number;
    existing?: boolean;
    functions?: readonly FunctionCapability[];
    /** The workspace registry plans are admitted under (`cliRegistry`), for commands that admit plans. */
    workspace?: LoadedRegistry | undefined;
  },
  work: (baton: Baton) => Promise<T>,
): Promise<T> {
  const home = workspaceHome(options.home);
  const url = databaseUrl(options.db);
  if (options.existing && !workspaceExists(options)) {
    throw new BatonError(
      ErrorCode.notFound,
      `no Baton workspace at ${home} (run a plan first with baton run, or point --home or BATON_HOME at one)`,
    );
  }
  const leaseMs = leaseFromEnvironment();
  const payloadThresholdBytes = payloadThresholdFromEnvironment();
  const store =
    url === undefined ? undefined : await openPostgres(url, options.dbSchema || process.env.BATON_DATABASE_SCHEMA);
  const baton = await createBaton({
    home,
    ...(store && { store }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...(leaseMs !== undefined && { leaseMs }),
    ...(payloadThresholdBytes !== undefined && { payloadThresholdBytes }),
    ...(options.workspace && { registry: options.workspace }),
  });
  for (const capability of options.functions ?? []) baton.register(capability);
  try {
    return await work(baton);
  } finally {
    await baton.close();
  }
}

export function badInput(message: string): BatonError {
  return new BatonError(ErrorCode.badInput, message);
}
