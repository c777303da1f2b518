import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { ArtifactRef } from '../../core/index.js';
import { CapabilityFailure } from '../../capabilities/index.js';
import { formatBytes, tooLarge } from './limits.js';

/** Where collected files go: the store, seen from the walk. */
export interface ArtifactSink {
  readonly maxAttemptBytes: number;
  readonly maxAttemptFiles: number;
  put(source: string, name: string, budget: number): Promise<ArtifactRef>;
}

/** A file found in an attempt's directory: its artifact name and where to read it. */
interface FoundFile {
  name: string;
  source: string;
  bytes: number;
}

function refuse(message: string): CapabilityFailure {
  return new CapabilityFailure({ type: 'artifact', message, retryable: false });
}

/**
 * Walks `dir` and stores every file in it as `prefix/relative/path` (forward slashes), sorted
 * by name. Nothing is skipped silently: a file that cannot be read, a symlink that leads out
 * of `dir` (or to a directory), or a socket, FIFO or device fails the whole attempt with a
 * message that names it. The limits are checked on the sizes the walk sees before anything
 * is copied, and again while copying (a file can still grow).
 */
export async function collectArtifacts(store: ArtifactSink, dir: string, prefix: string): Promise<ArtifactRef[]> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // the attempt removed its own directory
    throw refuse(`cannot read the artifact directory: ${(error as Error).message}`);
  }
  const found: FoundFile[] = [];
  await walk(store, root, '', prefix, found);
  const total = found.reduce((sum, file) => sum + file.bytes, 0);
  if (total > store.maxAttemptBytes)
    throw tooLarge(
      store.maxAttemptBytes,
      `${found.length} file${found.length === 1 ? '' : 's'}, ${formatBytes(total)}`,
    );
  found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const refs: ArtifactRef[] = [];
  let left = store.maxAttemptBytes;
  for (const file of found) {
    const ref = await store.put(file.source, file.name, left);
    left -= ref.bytes;
    refs.push(ref);
  }
  return refs;
}

async function walk(
  store: ArtifactSink,
  root: string,
  relative: string,
  prefix: string,
  found: FoundFile[],
): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(root, relative), { withFileTypes: true });
  } catch (error) {
    throw refuse(`cannot read artifact directory "${prefix}/${relative}": ${(error as Error).message}`);
  }
  for (const entry of entries) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    const name = `${prefix}/${path}`;
    const absolute = join(root, path);
    if (entry.isDirectory()) {
      await walk(store, root, path, prefix, found);
      continue;
    }
    if (entry.isFile()) {
      found.push({ name, source: absolute, bytes: (await statOrRefuse(absolute, name, lstat)).size });
    } else if (entry.isSymbolicLink()) {
      found.push({ name, ...(await followInside(root, absolute, name)) });
    } else {
      throw refuse(`artifact "${name}" is not a regular file (a socket, FIFO or device); only files can be artifacts`);
    }
    if (found.length > store.maxAttemptFiles)
      throw refuse(
        `an attempt may leave at most ${store.maxAttemptFiles} artifact files; put many small files in one archive`,
      );
  }
}

/** A symlink is taken for the file it points to, as long as that file is inside the attempt's directory. */
async function followInside(root: string, link: string, name: string): Promise<{ source: string; bytes: number }> {
  let target: string;
  try {
    target = await realpath(link);
  } catch {
    throw refuse(`artifact "${name}" is a symlink to nothing (a broken link)`);
  }
  if (!target.startsWith(root + sep))
    throw refuse(`artifact "${name}" is a symlink that leads outside the artifact directory; copy the file in instead`);
  const stats = await statOrRefuse(target, name, stat);
  if (!stats.isFile()) throw refuse(`artifact "${name}" is a symlink to a directory; only files can be artifacts`);
  return { source: target, bytes: stats.size };
}

async function statOrRefuse(path: string, name: string, how: (path: string) => Promise<Stats>): Promise<Stats> {
  try {
    return await how(path);
  } catch (error) {
    throw refuse(`cannot read artifact "${name}": ${(error as Error).message}`);
  }
}
