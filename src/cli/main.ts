import { Command, CommanderError } from 'commander';
import type { GlobalOptions } from './context.js';
import { groupsFor } from './command-table.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';
import { ExitCode } from './exit-codes.js';

function jsonRequested(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

/** The `baton` command. Returns the exit code rather than exiting, so tests can call it too. */
export async function main(argv: readonly string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  const json = jsonRequested(argv);
  const program = new Command('baton')
    .description('Baton: a governed orchestration engine for AI agents, models and tools')
    .version('0.1.0')
    .option('--home <dir>', 'workspace directory (default: $BATON_HOME or ./.baton)')
    .option(
      '--db <url>',
      'a PostgreSQL URL: share that store with other engines and workers (default: $BATON_DATABASE_URL; else the workspace SQLite file)',
    )
    .option(
      '--db-schema <name>',
      "the schema for Baton's tables in that database (default: $BATON_DATABASE_SCHEMA, else the connection's)",
    )
    .option(
      '--registry <file>',
      'the workspace registry: capabilities plans may use and what plans may declare (default: $BATON_REGISTRY, else ./baton.yaml when it exists)',
    )
    .showHelpAfterError('(run baton --help for usage)')
    .exitOverride()
    // With --json, a usage error is reported as JSON on stdout below, not as text on stderr.
    .configureOutput({ writeErr: (text) => (json ? undefined : process.stderr.write(text)) });
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  // Only the commands asked for are loaded (see command-table.ts); in the order of the table, so
  // that --help lists them as it always has.
  const registers = await Promise.all(groupsFor(argv).map((group) => group.load()));
  for (const register of registers) register(program, globals);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; a usage mistake is bad input.
      if (error.exitCode === 0) return ExitCode.ok;
      if (json)
        process.stdout.write(
          `${JSON.stringify({ error: { code: 'bad_input', message: error.message.replace(/^error: /, '') } }, null, 2)}\n`,
        );
      return ExitCode.badInput;
    }
    // Loaded here rather than up front: it brings the engine's errors and the workspace code.
    const { reportError } = await import('./context.js');
    return reportError(error, json);
  }
}
