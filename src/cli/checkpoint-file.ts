import { readFileSync } from 'node:fs';
import { builtOnFirstUse } from '../core/deferred-packages.js';
import { BatonError, ErrorCode } from '../core/index.js';
import type { Checkpoint } from '../ledger/index.js';

/** A checkpoint file's schema, built on the first call (zod loads at its first use: core/deferred-packages.ts). */
const checkpointSchema = builtOnFirstUse(({ z }) => {
  const Head = z.object({ seq: z.int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) });
  return z.object({
    baton: z.literal('checkpoint/1'),
    takenAt: z.string(),
    publicKey: z.string(),
    runs: z.record(z.string(), Head),
    workspace: Head,
    signature: z.string(),
  });
});

/** Reads a checkpoint file written by `baton checkpoint`; anything else is bad input that says where it differs. */
export function readCheckpointFile(file: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BatonError(
      ErrorCode.badInput,
      `--against: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BatonError(
      ErrorCode.badInput,
      `--against: ${file} is not JSON (${(error as Error).message}); expected a file written by baton checkpoint`,
    );
  }
  const result = checkpointSchema().safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(file)';
    throw new BatonError(
      ErrorCode.badInput,
      `--against: ${file} is not a checkpoint written by baton checkpoint: ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return result.data;
}
