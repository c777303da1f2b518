import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/**
 * The directory of Baton's own package.json: where `migrations/` and `dist-web/` live. Found by
 * walking up from this module rather than by a fixed count of `..`, because this code runs from
 * src/ under the tests and, built, from whichever file of the bundle under dist/ it landed in,
 * at a depth the bundler chooses (neither src/ nor dist/ holds a package.json of its own).
 */
export function packageRoot(): string {
  if (found !== undefined) return found;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json'))) return (found = directory);
    if (dirname(directory) === directory)
      throw new Error(`Baton's package.json was not found above ${start}: the installation is incomplete`);
  }
}
