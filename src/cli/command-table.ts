import type { Command } from 'commander';
import type { GlobalOptions } from './context.js';

/** Adds a group of commands (with their options, descriptions and actions) to the program. */
export type RegisterCommands = (program: Command, globals: () => GlobalOptions) => void;

/** The commands one file under commands/ registers, and how to load that file. */
export interface CommandGroup {
  readonly commands: readonly string[];
  readonly load: () => Promise<RegisterCommands>;
}

/**
 * Every `baton` command, by the file that registers it. Each file is loaded only when its
 * command runs: a command module pulls in the engine, the plan schema and the expression
 * language (and `serve` and `mcp` their servers), which is most of what `baton` takes to
 * start; `baton --version` needs none of it. `--help` (and an unknown command, to suggest the
 * right one) loads every group so that the list stays whole and is written in one place per
 * command. test/cli/command-table.test.ts checks that these names are exactly the commands
 * the files register.
 */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { commands: ['run', 'resume'], load: async () => (await import('./commands/run.js')).registerRun },
  {
    commands: ['status', 'log', 'verify', 'schema', 'validate'],
    load: async () => (await import('./commands/inspect.js')).registerInspect,
  },
  { commands: ['plan'], load: async () => (await import('./commands/plan.js')).registerPlan },
  { commands: ['checkpoint'], load: async () => (await import('./commands/checkpoint.js')).registerCheckpoint },
  {
    commands: [
      'approve',
      'deny',
      'override',
      'submit',
      'signal',
      'pause',
      'abort',
      'cancel',
      'defer',
      'revise',
      'revert',
      'seal',
    ],
    load: async () => (await import('./commands/operate.js')).registerOperate,
  },
  { commands: ['state', 'handoffs'], load: async () => (await import('./commands/pipeline.js')).registerPipeline },
  { commands: ['context'], load: async () => (await import('./commands/context.js')).registerContext },
  { commands: ['worker'], load: async () => (await import('./commands/worker.js')).registerWorker },
  { commands: ['mcp'], load: async () => (await import('./commands/mcp.js')).registerMcp },
  { commands: ['serve'], load: async () => (await import('./commands/serve.js')).registerServe },
  { commands: ['token'], load: async () => (await import('./commands/token.js')).registerToken },
  { commands: ['key'], load: async () => (await import('./commands/key.js')).registerKey },
  {
    commands: ['capabilities'],
    load: async () => (await import('./commands/capabilities.js')).registerCapabilities,
  },
];

/** The program's own options that take a value: what follows them is not a command's name. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--home', '--db', '--db-schema', '--registry']);

/** The first word of `argv` that is neither an option nor an option's value: the command asked for. */
function firstWord(argv: readonly string[]): { word: string; rest: readonly string[] } | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (GLOBAL_OPTIONS_WITH_VALUE.has(argument)) index += 1;
    else if (!argument.startsWith('-')) return { word: argument, rest: argv.slice(index + 1) };
  }
  return undefined;
}

/**
 * The command groups `argv` needs: the one holding the command asked for (`baton help X`
 * asks for X); none for `baton --version`; every group for help, a bare `baton` and a name
 * that is no command, so that commander lists them all or suggests the nearest.
 */
export function groupsFor(argv: readonly string[]): readonly CommandGroup[] {
  let asked = firstWord(argv);
  if (asked?.word === 'help') asked = firstWord(asked.rest);
  if (asked === undefined) {
    const versionOnly =
      argv.some((argument) => argument === '--version' || argument === '-V') &&
      !argv.some((argument) => argument === '--help' || argument === '-h');
    return versionOnly ? [] : COMMAND_GROUPS;
  }
  const group = COMMAND_GROUPS.find((candidate) => candidate.commands.includes(asked.word));
  return group === undefined ? COMMAND_GROUPS : [group];
}
