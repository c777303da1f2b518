import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { chmod, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactRef } from '../../core/index.js';
import { CapabilityFailure } from '../../capabilities/index.js';
import { collectArtifacts, type ArtifactSink } from './collect.js';
import { DEFAULT_MAX_ATTEMPT_BYTES, DEFAULT_MAX_ATTEMPT_FILES, tooLarge, type ArtifactLimits } from './limits.js';
import { openVerified, type VerifiedArtifact } from './verified-read.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const CHUNK_BYTES = 1024 * 1024;
/** O_NOFOLLOW: a file swapped for a symlink after the walk looked at it is refused, not followed. */
const OPEN_SOURCE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What re-hashing a stored artifact found; `actual` is null when there was nothing readable to hash. */
export interface StoredCheck {
  status: 'ok' | 'missing' | 'changed';
  actual: string | null;
}

/**
 * Content-addressed files under the workspace: `<root>/sha256/<first 2 hex>/<hash>`, plus
 * `<root>/tmp/` for the directories attempts write into.
 *
 * Invariant: a file under a hash name is complete and has that hash when it was put there.
 * Content is copied (hashing as it streams) into a temp file next to the shards, flushed to
 * disk, made read-only, then renamed into place, so a crash at any point leaves at worst an
 * orphaned temp file and never a half file under a hash name. The copy (rather than a rename
 * of the attempt's own file) is deliberate: a command's file may be a hard link to something
 * outside the workspace, or still open in a process it left behind; the bytes hashed are
 * exactly the bytes stored. Identical content lands on one name, so it is stored once.
 * @example
 * const store = new ArtifactStore('.baton/artifacts');
 * const refs = await store.collect('out', 'build'); // [{ name: 'build/report.txt', sha256, bytes }]
 * await store.verify(refs[0]); // 'ok'
 */
export class ArtifactStore implements ArtifactSink {
  readonly maxAttemptBytes: number;
  readonly maxAttemptFiles: number;

  constructor(
    readonly root: string,
    limits: ArtifactLimits = {},
  ) {
    this.maxAttemptBytes = limits.maxAttemptBytes ?? DEFAULT_MAX_ATTEMPT_BYTES;
    this.maxAttemptFiles = limits.maxAttemptFiles ?? DEFAULT_MAX_ATTEMPT_FILES;
  }

  /** Where the content with this hash is (or would be) stored. Throws on anything but 64 lower-case hex digits. */
  path(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`"${sha256}" is not a sha256 (64 lower-case hex digits)`);
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  /** Where the working directories of attempts go; nothing in it is kept. */
  get scratchRoot(): string {
    return join(this.root, 'tmp');
  }

  /**
   * Stores every file under `dir` (recursively) as `prefix/relative/path`, sorted by name.
   * Fails the attempt (CapabilityFailure) on a symlink that leads outside `dir`, a file it
   * cannot read, anything that is neither a file nor a directory, or more than the limits.
   */
  collect(dir: string, prefix: string): Promise<ArtifactRef[]> {
    return collectArtifacts(this, dir, prefix);
  }

  /**
   * Copies one file into the store. `budget` is how many bytes it may have; a file that grows
   * past it while being read fails with `artifacts_too_large`.
   */
  async put(source: string, name: string, budget = this.maxAttemptBytes): Promise<ArtifactRef> {
    const incoming = join(this.root, 'sha256');
    await mkdir(incoming, { recursive: true });
    const temp = join(incoming, `.tmp-${randomUUID()}`);
    const hash = createHash('sha256');
    let bytes = 0;
    let input: FileHandle;
    try {
      input = await open(source, OPEN_SOURCE);
    } catch (error) {
      throw unreadable(name, error);
    }
    try {
      if (!(await input.stat()).isFile())
        throw new CapabilityFailure({
          type: 'artifact',
          message: `artifact "${name}" is not a regular file`,
          retryable: false,
        });
      const output = await open(temp, 'wx', 0o600);
      try {
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        for (;;) {
          let read: number;
          try {
            ({ bytesRead: read } = await input.read(buffer, 0, CHUNK_BYTES, null));
          } catch (error) {
            throw unreadable(name, error);
          }
          if (read === 0) break;
          bytes += read;
          if (bytes > budget) throw tooLarge(this.maxAttemptBytes, `artifact "${name}" grew while it was stored`);
          const chunk = buffer.subarray(0, read);
          hash.update(chunk);
          await output.write(chunk);
        }
        await output.sync();
      } finally {
        await output.close();
      }
      const sha256 = hash.digest('hex');
      const target = this.path(sha256);
      await mkdir(join(incoming, sha256.slice(0, 2)), { recursive: true });
      await chmod(temp, 0o444);
      // Renaming over an existing copy is atomic and leaves the same content: stored once.
      await rename(temp, target);
      return { name, sha256, bytes };
    } catch (error) {
      await unlink(temp).catch(() => {});
      if (error instanceof CapabilityFailure) throw error;
      // The store's own disk failed (full, gone): another attempt may well succeed.
      throw new CapabilityFailure({
        type: 'artifact_store',
        message: `cannot store artifact "${name}": ${(error as Error).message}`,
        retryable: true,
      });
    } finally {
      await input.close();
    }
  }

  /** Re-hashes the stored content of `ref`: `missing` when it is gone, `changed` when it no longer has its hash. */
  async verify(ref: Pick<ArtifactRef, 'sha256'>): Promise<'ok' | 'missing' | 'changed'> {
    return (await this.check(ref.sha256)).status;
  }

  /**
   * The stored content with this hash, to send: checked against the hash before anything is
   * sent, and again as it is sent (see openVerified). NotFoundError when there is none; an
   * `integrity` BatonError, or a stream that fails, when it no longer has its hash.
   */
  read(sha256: string): Promise<VerifiedArtifact> {
    return openVerified(this.path(sha256), sha256);
  }

  /** As `verify`, with the hash the stored content has now. */
  async check(sha256: string): Promise<StoredCheck> {
    let file: string;
    try {
      file = this.path(sha256);
    } catch {
      return { status: 'missing', actual: null };
    }
    try {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) hash.update(chunk as Buffer);
      const actual = hash.digest('hex');
      return { status: actual === sha256 ? 'ok' : 'changed', actual };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Gone is missing; present but unreadable (a directory, no permission) cannot be the sealed content.
      return { status: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'changed', actual: null };
    }
  }
}

function unreadable(name: string, error: unknown): CapabilityFailure {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ELOOP' ? 'it was replaced by a symlink' : (error as Error).message;
  return new CapabilityFailure({
    type: 'artifact',
    message: `cannot read artifact "${name}": ${why}`,
    retryable: false,
  });
}
