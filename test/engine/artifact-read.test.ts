import { createHash } from 'node:crypto';
import { chmodSync, openSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatonError } from '../../src/core/index.js';
import { ArtifactStore } from '../../src/engine/artifacts/index.js';
import { tempDir } from '../support/temp.js';

const MIB = 1024 * 1024;

/** Stores `content` as an artifact in a fresh store; returns the store and its hash. */
async function stored(content: Buffer): Promise<{ store: ArtifactStore; sha256: string }> {
  const dir = tempDir();
  const source = join(dir, 'source.bin');
  writeFileSync(source, content);
  const store = new ArtifactStore(join(dir, 'artifacts'));
  const ref = await store.put(source, 'out/data.bin');
  expect(ref.sha256).toBe(createHash('sha256').update(content).digest('hex'));
  return { store, sha256: ref.sha256 };
}

/** Overwrites bytes of a stored (read-only) file in place, as someone with access to the workspace could. */
function overwrite(file: string, at: number, bytes: Buffer): void {
  chmodSync(file, 0o644);
  const fd = openSync(file, 'r+');
  writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('reading stored artifacts to send them, checked against their hash', () => {
  it('gives the stored bytes, whole, when they still have their hash', async () => {
    const content = Buffer.alloc(3 * MIB + 17, 7);
    const { store, sha256 } = await stored(content);
    const { bytes, stream } = await store.read(sha256);
    expect(bytes).toBe(content.length);
    expect((await readAll(stream)).equals(content)).toBe(true);
    const empty = await stored(Buffer.alloc(0));
    expect((await readAll((await empty.store.read(empty.sha256)).stream)).length).toBe(0);
  });

  it('refuses content changed on disk before the read (integrity), and unknown hashes (not found)', async () => {
    const { store, sha256 } = await stored(Buffer.from('all good\n'));
    overwrite(store.path(sha256), 0, Buffer.from('all bad\n'));
    const error = await store.read(sha256).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BatonError);
    expect(error).toMatchObject({
      code: 'integrity',
      message: expect.stringContaining(`the stored content of artifact ${sha256} no longer matches its sha256`),
    });
    await expect(store.read('0'.repeat(64))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('breaks off, never completing the content, when it changes while it is being read', async () => {
    const content = Buffer.alloc(3 * MIB, 1);
    const { store, sha256 } = await stored(content);
    const { stream } = await store.read(sha256);
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.value?.length).toBe(MIB);
    overwrite(store.path(sha256), 2 * MIB + 5, Buffer.from('changed'));
    let received = first.value!.length;
    const error = await (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) return undefined;
        received += next.value.length;
      }
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'integrity',
      message: expect.stringContaining('it changed while it was sent'),
    });
    expect(received).toBeLessThan(content.length);
  });
});
