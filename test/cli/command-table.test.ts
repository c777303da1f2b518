import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_GROUPS, groupsFor } from '../../src/cli/command-table.js';

describe('the CLI command table', () => {
  it('names exactly the commands each group registers', async () => {
    for (const group of COMMAND_GROUPS) {
      const program = new Command('baton');
      (await group.load())(program, () => ({}));
      expect(program.commands.map((command) => command.name()).sort()).toEqual([...group.commands].sort());
    }
  });

  it('names each command once', () => {
    const names = COMMAND_GROUPS.flatMap((group) => group.commands);
    expect(new Set(names).size).toBe(names.length);
  });

  it('loads only the group of the command asked for, past the global options and their values', () => {
    const [inspect] = groupsFor(['status']);
    expect(groupsFor(['--home', 'run', 'status', '--json'])).toEqual([inspect]);
    expect(groupsFor(['--db=postgres://x', '--registry', 'serve', 'status'])).toEqual([inspect]);
    expect(groupsFor(['help', 'status'])).toEqual([inspect]);
    expect(groupsFor(['resume', 'r1'])[0]?.commands).toContain('run');
  });

  it('loads nothing for --version, and every group for help or a name that is no command', () => {
    expect(groupsFor(['--version'])).toEqual([]);
    expect(groupsFor(['-V'])).toEqual([]);
    expect(groupsFor([])).toBe(COMMAND_GROUPS);
    expect(groupsFor(['--help'])).toBe(COMMAND_GROUPS);
    expect(groupsFor(['--version', '--help'])).toBe(COMMAND_GROUPS);
    expect(groupsFor(['stauts'])).toBe(COMMAND_GROUPS);
  });
});
