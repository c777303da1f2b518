import type { Command } from 'commander';
import { checkTokenName, parseScopes, type ApiToken } from '../../engine/index.js';
import { cliRegistry, withBaton, workspaceExists, type GlobalOptions } from '../context.js';
import { scopesOf } from '../role-scopes.js';
import { paint, printJson, table } from '../format.js';

function describe(token: ApiToken): string {
  const role = token.role === undefined ? '' : ` (role ${token.role})`;
  return `${token.name} (${token.id}) with scope${token.scopes.length > 1 ? 's' : ''} ${token.scopes.join(', ')}${role}`;
}

/** `baton token create|list|revoke`: the bearer tokens of the workspace's HTTP API (`baton serve`). */
export function registerToken(program: Command, globals: () => GlobalOptions): void {
  const token = program
    .command('token')
    .description('bearer tokens for the HTTP API (baton serve): create, list, revoke');

  token
    .command('create')
    .description('create a token; its secret is printed once and only a hash of it is kept')
    .option(
      '--scope <scopes>',
      'what it may do, comma-separated: read, operate, perform, approve, admin (approve includes perform; admin may do everything)',
    )
    .option(
      '--role <role>',
      "instead of --scope, the scopes of a workspace-registry role (governor: read,approve; operator: read,operate; agent: read,perform, unless baton.yaml's roles: say otherwise)",
    )
    .option('--name <name>', 'how the ledger names what it does (token:<name>); default: its id')
    .option('--json', 'print the token and its secret as JSON')
    .action(async (_local: unknown, command: Command) => {
      const options = {
        ...globals(),
        ...command.opts<{ scope?: string; role?: string; name?: string; json?: boolean }>(),
      };
      // Checked before the workspace is opened: a mistake creates nothing.
      const roles = options.role === undefined ? undefined : (await cliRegistry(options))?.registry.roles;
      const scopes = scopesOf({ ...options, scopeGiven: options.scope !== undefined }, roles, parseScopes);
      if (options.name !== undefined) checkTokenName(options.name);
      const { token: made, secret } = await withBaton(options, (baton) =>
        baton.tokens.create({
          scopes,
          ...(options.role !== undefined && { role: options.role }),
          ...(options.name !== undefined && { name: options.name }),
        }),
      );
      if (options.json) return printJson({ ...made, secret });
      const s = paint(process.stdout);
      process.stdout.write(`${s('green', 'created')} token ${describe(made)}\n`);
      process.stdout.write(
        `secret (shown only now; keep it somewhere safe, send it as Authorization: Bearer <secret>):\n${secret}\n`,
      );
    });

  token
    .command('list')
    .description("list the workspace's tokens (never their secrets)")
    .option('--json', 'print as JSON')
    .action(async (_local: unknown, command: Command) => {
      const options = { ...globals(), ...command.opts<{ json?: boolean }>() };
      const tokens = workspaceExists(options)
        ? await withBaton({ ...options, existing: true }, (baton) => baton.tokens.list())
        : [];
      if (options.json) return printJson(tokens);
      if (tokens.length === 0)
        return void process.stdout.write('no tokens; create one with: baton token create --scope read\n');
      const rows = tokens.map((t) => [
        t.id,
        t.name,
        t.scopes.join(','),
        t.role ?? '-',
        t.createdAt,
        t.revokedAt ?? '-',
      ]);
      process.stdout.write(`${table([['ID', 'NAME', 'SCOPES', 'ROLE', 'CREATED', 'REVOKED'], ...rows])}\n`);
    });

  token
    .command('revoke')
    .description('revoke a token at once: requests with it are refused from the next one on')
    .argument('<token>', 'its id or name')
    .option('--json', 'print the revoked token as JSON')
    .action(async (idOrName: string, _local: unknown, command: Command) => {
      const options = { ...globals(), ...command.opts<{ json?: boolean }>() };
      const revoked = await withBaton({ ...options, existing: true }, (baton) => baton.tokens.revoke(idOrName));
      if (options.json) return printJson(revoked);
      process.stdout.write(
        `${paint(process.stdout)('green', 'revoked')} token ${describe(revoked)} at ${revoked.revokedAt}\n`,
      );
    });
}
