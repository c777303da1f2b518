// Builds dist/'s JavaScript: src/ bundled by esbuild, one file per entry point plus shared chunks.
// tsc still checks the types and writes the declarations (`npm run build` runs it after this).
//
// Why a bundle rather than tsc's one file per module: on Node 20 each ES module costs about 50 KB of
// resident memory and its own resolve, read and link, whatever its size. Importing the library
// loaded some 215 of Baton's modules and `baton status` spent most of its CPU loading them; the
// bundle loads a handful of files for the same code (figures in docs/benchmarks.md).
//
// Packages stay external (they load from node_modules as before, once, shared with the user's own
// imports), and every dynamic `import()` stays a split point: a CLI command, the HTTP server, the
// MCP server and the PostgreSQL store still load only when used.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

/** The package's entry points (package.json's "exports" and the CLI that bin/baton.js starts). */
const ENTRY_POINTS = [
  'src/index.ts',
  'src/server/index.ts',
  'src/mcp/index.ts',
  'src/store/postgres/index.ts',
  'src/cli/main.ts',
];

// Nothing from an earlier build survives (tsc's one-file-per-module output in particular).
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ENTRY_POINTS,
  outbase: 'src',
  outdir: 'dist',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // No `keepNames`: it wraps every function expression in a naming call, paid on each creation,
  // in the hot path too. Names that collide across modules get a numeric suffix; the source maps
  // give the written ones back.
  sourcemap: true,
  logLevel: 'warning',
});
