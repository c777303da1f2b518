import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';
import { connect, refused } from './mcp-client.js';

/** A workspace registry declaring one role of its own and giving governor a narrower scope set. */
function registryFile(dir: string): string {
  const file = join(dir, 'baton.yaml');
  writeFileSync(
    file,
    'roles:\n  auditor: { scopes: [read], members: [dana] }\n  governor: { scopes: [read, approve, operate], members: [alice] }\n',
  );
  return file;
}

describe('roles map to scopes on every surface that grants them', () => {
  it('baton token create --role takes the scopes of the registry role, or of the default roles', () => {
    const home = tempDir();
    const registry = registryFile(home);
    const create = (args: string[]) =>
      JSON.parse(baton(['token', 'create', ...args, '--json'], { home }).stdout) as {
        name: string;
        scopes: string[];
        role?: string;
      };
    expect(create(['--role', 'agent', '--name', 'bot']).scopes).toEqual(['read', 'perform']);
    expect(create(['--role', 'operator', '--name', 'ops']).scopes).toEqual(['read', 'operate']);
    expect(create(['--role', 'governor', '--name', 'gov', '--registry', registry]).scopes).toEqual([
      'read',
      'operate',
      'approve',
    ]);
    expect(create(['--role', 'auditor', '--name', 'audit', '--registry', registry]).scopes).toEqual(['read']);
    // The role is recorded with the token; a token made with --scope has none.
    expect(create(['--scope', 'read', '--name', 'plain'])).not.toHaveProperty('role');
    const listed = JSON.parse(baton(['token', 'list', '--json'], { home }).stdout) as { name: string; role?: string }[];
    expect(listed.map((token) => [token.name, token.role ?? null])).toEqual([
      ['bot', 'agent'],
      ['ops', 'operator'],
      ['gov', 'governor'],
      ['audit', 'auditor'],
      ['plain', null],
    ]);
    expect(baton(['token', 'list'], { home }).stdout).toMatch(
      /^tok_[0-9a-f]{12}\s+gov\s+read,operate,approve\s+governor\s/m,
    );
  });

  it('refuses an unknown role, or --role with --scope, before a workspace is created (exit 2)', () => {
    const home = join(tempDir(), 'none');
    const unknown = baton(['token', 'create', '--role', 'root'], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      '"root" is not a role of this workspace (roles: governor, operator, agent); declare it under roles: in the workspace registry',
    );
    const both = baton(['token', 'create', '--role', 'agent', '--scope', 'admin'], { home });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--role and --scope both say what it may do; give one of them');
    const neither = baton(['token', 'create'], { home });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('say what it may do: --scope read,operate (a list) or --role ROLE');
    expect(baton(['mcp', '--role', 'agent', '--scope', 'admin'], { home }).stderr).toContain(
      '--role and --scope both say what it may do',
    );
  });

  it('baton mcp --role agent serves a session with the scopes of role agent, which cannot approve a gate', async () => {
    const home = tempDir();
    const { client, stderr } = await connect(home, ['--role', 'agent', '--by', 'bot']);
    const approval = await refused(client, 'approve', { runId: 'r-none', target: 'ship' });
    expect(approval).toContain(
      'the tool approve needs the "approve" scope, which this MCP session does not have (it has: read, perform)',
    );
    expect(stderr()).toContain('acting as bot with scopes read, perform (role agent)');
  });
});
