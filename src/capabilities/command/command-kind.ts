import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CapabilityKindPlugin } from '../kind.js';
import { commandRunner } from './command-capability.js';

/**
 * A program run with argv (never a shell string). In a plan file its `cwd` (default `.`) means
 * the plan file's directory, made absolute at pre-flight, so `[node, scripts/work.mjs]` next to
 * the plan runs from anywhere; a cwd that is not a directory refuses the plan.
 */
export const commandKind: CapabilityKindPlugin<'command'> = {
  name: 'command',
  runner: (id, config, plan) => commandRunner(id, config, plan.inputs),
  preflight(config, planDirectory) {
    const cwd = resolve(planDirectory, config.cwd ?? '.');
    const issues = isDirectory(cwd)
      ? []
      : [
          {
            path: ['cwd'],
            message: `no directory at ${cwd} (a relative cwd is relative to the plan file's directory)`,
          },
        ];
    return { config: { ...config, cwd }, issues };
  },
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
