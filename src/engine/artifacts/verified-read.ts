import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { BatonError, ErrorCode, NotFoundError } from '../../core/index.js';

const CHUNK_BYTES = 1024 * 1024;

/** Stored content ready to send: its size, and its bytes, checked against its hash. */
export interface VerifiedArtifact {
  bytes: number;
  stream: ReadableStream<Uint8Array>;
}

function changed(sha256: string, detail: string): BatonError {
  return new BatonError(
    ErrorCode.integrity,
    `the stored content of artifact ${sha256} no longer matches its sha256 (${detail}); it is not served. baton verify RUN says which runs it breaks`,
  );
}

/** Reads the whole file through `handle` into `hash`, from the start; returns how many bytes. */
async function hashAll(handle: FileHandle, hash: Hash): Promise<number> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let total = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, total);
    if (bytesRead === 0) return total;
    hash.update(buffer.subarray(0, bytesRead));
    total += bytesRead;
  }
}

/**
 * Opens stored content for sending, failing closed. Any file under a hash name, sealed or not,
 * can be changed on disk after it was stored: its bytes are hashed before anything is sent,
 * and content that does not have the hash it is asked by is an `integrity` error (nothing
 * sent). They are hashed again as they are sent, through the same open file: content changed
 * in between makes the stream fail instead of ending, so a client never gets a complete
 * response with changed bytes under the old digest. Costs reading the file twice.
 * @example
 * const { bytes, stream } = await openVerified(store.path(sha), sha); // throws NotFoundError / BatonError(integrity)
 */
export async function openVerified(file: string, sha256: string): Promise<VerifiedArtifact> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new NotFoundError(`artifact ${sha256} (no stored content has this hash)`);
    throw error;
  }
  let bytes: number;
  try {
    if (!(await handle.stat()).isFile()) throw changed(sha256, 'it is not a file');
    const first = createHash('sha256');
    bytes = await hashAll(handle, first);
    const actual = first.digest('hex');
    if (actual !== sha256) throw changed(sha256, `it hashes to ${actual}`);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const opened = handle;
  const again = createHash('sha256');
  let sent = 0;
  const fail = async (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown): Promise<void> => {
    await opened.close().catch(() => {});
    controller.error(error);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (bytes === 0) {
          await opened.close();
          return controller.close();
        }
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, bytes - sent));
        const { bytesRead } = await opened.read(buffer, 0, buffer.length, sent);
        if (bytesRead === 0) return await fail(controller, changed(sha256, 'it shrank while it was sent'));
        const chunk = new Uint8Array(buffer.subarray(0, bytesRead));
        again.update(chunk);
        sent += bytesRead;
        if (sent < bytes) return controller.enqueue(chunk);
        // The last chunk waits until the whole content hashed right: changed bytes never complete a response.
        const actual = again.digest('hex');
        if (actual !== sha256) return await fail(controller, changed(sha256, 'it changed while it was sent'));
        await opened.close();
        controller.enqueue(chunk);
        controller.close();
      } catch (error) {
        await fail(controller, error);
      }
    },
    async cancel() {
      await opened.close().catch(() => {});
    },
  });
  return { bytes, stream };
}
