import type { Command } from 'commander';
import { defaultPrincipal } from '../../engine/index.js';
import { badInput, cliRegistry, withBaton, type GlobalOptions } from '../context.js';
import { scopesOf } from '../role-scopes.js';

interface McpOptions extends GlobalOptions {
  scope: string;
  role?: string;
  by?: string;
  /** Whether --scope was given (not its default): --role and --scope exclude each other. */
  scopeGiven: boolean;
}

/**
 * Serves the MCP tools over stdio until the client closes stdin (or SIGINT/SIGTERM). Stdout
 * carries the protocol and nothing else: anything a library might print with console.log
 * goes to stderr instead. Runs conducted here when the server stops stay resumable.
 */
async function serveStdio(options: McpOptions): Promise<void> {
  // Loaded here, not at start-up: the SDK is only needed by this command.
  const [{ createMcpServer, parseScopes }, { StdioServerTransport }] = await Promise.all([
    import('../../mcp/index.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
  ]);
  const workspace = await cliRegistry(options);
  const scopes = scopesOf(options, workspace?.registry.roles, parseScopes);
  if (options.by !== undefined && options.by.trim() === '')
    throw badInput('--by needs a name (for example --by claude-desktop)');
  const principal = options.by ?? `mcp:${defaultPrincipal()}`;
  console.log = console.error;
  console.info = console.error;
  await withBaton({ ...options, workspace }, async (baton) => {
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    const server = createMcpServer({ baton, scopes, principal, log });
    const closed = new Promise<void>((resolve) => {
      const stop = (): void => {
        process.stdin.off('end', stop);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.stdin.once('end', stop);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.connect(new StdioServerTransport());
    log(
      `baton mcp: ready on stdio, acting as ${principal} with scopes ${scopes.join(', ')}${options.role === undefined ? '' : ` (role ${options.role})`}`,
    );
    await closed;
    await server.close();
  });
}

export function registerMcp(program: Command, globals: () => GlobalOptions): void {
  program
    .command('mcp')
    .description('serve Baton to an MCP client (Claude Desktop, Claude Code, ...) over stdio')
    // The default is DEFAULT_STDIO_SCOPES (src/mcp/scopes.ts), spelled out to keep the SDK out of start-up.
    .option(
      '--scope <list>',
      'what the client may do, comma-separated: read, operate, perform, approve, admin',
      'read,operate',
    )
    .option(
      '--role <role>',
      "the scopes of a workspace-registry role instead of --scope (governor: read,approve; operator: read,operate; agent: read,perform, unless baton.yaml's roles: say otherwise)",
    )
    .option('--by <name>', 'who the client acts as, recorded in the ledger (default: mcp:user@host)')
    .action(async (local: Omit<McpOptions, 'scopeGiven'>, command: Command) => {
      await serveStdio({ ...globals(), ...local, scopeGiven: command.getOptionValueSource('scope') !== 'default' });
    });
}
