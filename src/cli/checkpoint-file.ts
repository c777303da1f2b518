import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BatonError, ErrorCode } from '../core/index.js';
import type { Checkpoint } from '../ledger/index.js';

const Head = z.object({ seq: z.int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) });

const CheckpointSchema = z.object({
  baton: z.literal('checkpoint/1'),
  takenAt: z.string(),
  publicKey: z.string(),
  runs: z.record(z.string(), Head),
  workspace: Head,
  signature: z.string(),
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
  const result = CheckpointSchema.safeParse(parsed);
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
