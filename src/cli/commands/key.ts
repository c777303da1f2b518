import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { checkKeyName, osAccount, workspaceHome, type SigningKey } from '../../engine/index.js';
import { badInput, withBaton, workspaceExists, type GlobalOptions } from '../context.js';
import { paint, printJson, table } from '../format.js';

function describe(key: SigningKey): string {
  return `"${key.name}" for ${key.principal} (key id ${key.keyId})`;
}

function requirePrincipal(principal: string): void {
  if (principal.trim() === '') throw badInput('--principal needs a name (for example --principal alice)');
}

/**
 * Writes a private key where only its owner can read it, never over an existing file: a key
 * overwritten is a key lost.
 */
function writePrivateKey(file: string, pem: string): void {
  if (existsSync(file)) throw badInput(`--out: ${file} exists already; a private key is never overwritten`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
}

/** `baton key generate|add|list|revoke`: Ed25519 keys that sign approvals, registered in the workspace ledger. */
export function registerKey(program: Command, globals: () => GlobalOptions): void {
  const key = program
    .command('key')
    .description(
      'signing keys (Ed25519) registered in the workspace ledger: approvals and overrides by their principal must be signed with one (--sign-key)',
    );

  key
    .command('generate')
    .description('make a key pair: the private key goes to a file readable by you only, the public key is registered')
    .argument('<name>', "the key's name (letters, digits, _, ., @, -)")
    .requiredOption('--principal <name>', 'whose acts it signs: the --by they act as (or token:NAME over the API)')
    .option('--out <file>', 'where to write the private key (PEM, mode 0600); default <home>/keys/<name>.pem')
    .option('--json', 'print the registered key as JSON')
    .action(async (name: string, _local: unknown, command: Command) => {
      const options = { ...globals(), ...command.opts<{ principal: string; out?: string; json?: boolean }>() };
      // Checked before anything is written: a mistake leaves no file and no entry.
      checkKeyName(name);
      requirePrincipal(options.principal);
      const file = options.out ?? join(workspaceHome(options.home), 'keys', `${name}.pem`);
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writePrivateKey(file, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      let registered: SigningKey;
      try {
        registered = await withBaton(options, (baton) =>
          baton.keys.register({
            name,
            principal: options.principal,
            publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
            by: osAccount(),
          }),
        );
      } catch (error) {
        // Not registered (a name taken, a database down): the key would sign nothing anyone accepts.
        rmSync(file, { force: true });
        throw error;
      }
      if (options.json) return printJson({ ...registered, privateKeyFile: file });
      process.stdout.write(`${paint(process.stdout)('green', 'registered')} key ${describe(registered)}\n`);
      process.stdout.write(`private key written to ${file} (readable by you only; sign with --sign-key ${file})\n`);
    });

  key
    .command('add')
    .description('register a public key made elsewhere (Ed25519, PEM)')
    .argument('<name>', "the key's name (letters, digits, _, ., @, -)")
    .requiredOption('--principal <name>', 'whose acts it signs')
    .requiredOption('--public-key <file>', 'the public key, PEM (BEGIN PUBLIC KEY)')
    .option('--json', 'print the registered key as JSON')
    .action(async (name: string, _local: unknown, command: Command) => {
      const options = { ...globals(), ...command.opts<{ principal: string; publicKey: string; json?: boolean }>() };
      checkKeyName(name);
      requirePrincipal(options.principal);
      if (!existsSync(options.publicKey)) throw badInput(`--public-key: no file at ${options.publicKey}`);
      const text = readFileSync(options.publicKey, 'utf8');
      const registered = await withBaton(options, (baton) =>
        baton.keys.register({
          name,
          principal: options.principal,
          publicKey: text,
          by: osAccount(),
          source: `--public-key ${options.publicKey}`,
        }),
      );
      if (options.json) return printJson(registered);
      process.stdout.write(`${paint(process.stdout)('green', 'registered')} key ${describe(registered)}\n`);
    });

  key
    .command('list')
    .description("list the workspace's signing keys, revoked ones too")
    .option('--json', 'print as JSON')
    .action(async (_local: unknown, command: Command) => {
      const options = { ...globals(), ...command.opts<{ json?: boolean }>() };
      const keys = workspaceExists(options)
        ? await withBaton({ ...options, existing: true }, (baton) => baton.keys.list())
        : [];
      if (options.json) return printJson(keys);
      if (keys.length === 0)
        return void process.stdout.write('no signing keys; make one with: baton key generate NAME --principal P\n');
      const rows = keys.map((k) => [k.name, k.keyId, k.principal, k.registeredAt, k.revokedAt ?? '-']);
      process.stdout.write(`${table([['NAME', 'KEY ID', 'PRINCIPAL', 'REGISTERED', 'REVOKED'], ...rows])}\n`);
    });

  key
    .command('revoke')
    .description('revoke a key: acts signed with it from now on are refused (those signed before still verify)')
    .argument('<name>', "the key's name")
    .option('--reason <text>', 'why, recorded in the workspace ledger')
    .option('--json', 'print the revoked key as JSON')
    .action(async (name: string, _local: unknown, command: Command) => {
      const options = { ...globals(), ...command.opts<{ reason?: string; json?: boolean }>() };
      const revoked = await withBaton({ ...options, existing: true }, (baton) =>
        baton.keys.revoke(name, { by: osAccount(), ...(options.reason !== undefined && { reason: options.reason }) }),
      );
      if (options.json) return printJson(revoked);
      process.stdout.write(
        `${paint(process.stdout)('green', 'revoked')} key ${describe(revoked)} at ${revoked.revokedAt}\n`,
      );
    });
}
