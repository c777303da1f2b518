import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed version of `name`, read from the package.json above its entry point (a
 * package's `exports` may not list `./package.json`, so it cannot always be imported).
 * `entryUrl` is where the caller resolves it (`import.meta.resolve(name)` in the caller's
 * module): the peers live in their own install under bench/peers, out of this file's reach.
 */
export function packageVersion(name: string, entryUrl: string = import.meta.resolve(name)): string {
  let directory = dirname(fileURLToPath(entryUrl));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === name && parsed.version) return parsed.version;
    }
    const parent = dirname(directory);
    if (parent === directory) return 'unknown';
    directory = parent;
  }
}
