import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { canonicalJson, keyFingerprint } from '../../ledger/index.js';
import { takeCheckpoint, workspaceHome } from '../../engine/index.js';
import { checkpointKey } from '../checkpoint-key.js';
import { withBaton, type GlobalOptions } from '../context.js';
import { paint, printJson } from '../format.js';

export function registerCheckpoint(program: Command, globals: () => GlobalOptions): void {
  program
    .command('checkpoint')
    .description(
      'sign the heads of every run and of the workspace ledger into a file to keep elsewhere (verify --against FILE checks it)',
    )
    .option('--out <file>', 'where to write it (default: baton-checkpoint-<time>.json in the current directory)')
    .option(
      '--key <file>',
      'the Ed25519 private key (PEM) to sign with (default: $BATON_CHECKPOINT_KEY, else the workspace key)',
    )
    .option('--json', 'print as JSON')
    .action(async (local: GlobalOptions & { out?: string; key?: string }) => {
      const options = { ...globals(), ...local };
      // The key is read (or made) only once the workspace is known to exist: no key is left where there is none.
      const { checkpoint, source } = await withBaton({ ...options, existing: true }, async (baton) => {
        const { key, source } = checkpointKey(workspaceHome(options.home), options.key);
        return { checkpoint: await takeCheckpoint(baton, key, new Date().toISOString()), source };
      });
      const file = resolve(options.out ?? `baton-checkpoint-${checkpoint.takenAt.replace(/[:.]/g, '-')}.json`);
      // Canonical JSON: the signature is over this form (without the signature), so the file reads as what was signed.
      writeFileSync(file, `${canonicalJson(checkpoint)}\n`);
      const runs = Object.keys(checkpoint.runs).length;
      const summary = {
        file,
        takenAt: checkpoint.takenAt,
        runs,
        workspace: checkpoint.workspace,
        key: keyFingerprint(checkpoint.publicKey),
        keySource: source,
      };
      if (options.json) return printJson(summary);
      const s = paint(process.stdout);
      process.stdout.write(
        `${s('green', '✓')} checkpoint of ${runs === 1 ? '1 run' : `${runs} runs`} and the workspace ledger (entry ${checkpoint.workspace.seq}) written to ${file}\n`,
      );
      process.stdout.write(
        `  signed with key ${summary.key} (${source}); keep the file away from the workspace, and check it with: baton verify --against ${file}\n`,
      );
    });
}
