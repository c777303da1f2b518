import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './cli.js';

const HOOKS = pathToFileURL(join(ROOT, 'test/support/loaded-modules-hooks.mjs')).href;
const REGISTER_HOOKS = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(HOOKS)});`;

/**
 * What a `node` process on the built code loaded: Baton's own source files (src/..., read from the
 * source maps of the bundle files it loaded, since dist/ is bundled) and the files of packages
 * (node_modules/...).
 */
function modulesLoaded(args: string[], cwd: string): string[] {
  const result = spawnSync(process.execPath, ['--import', REGISTER_HOOKS, ...args], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  const files = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('loaded-module '))
    .map((line) => fileURLToPath(line.slice('loaded-module '.length)));
  return files.flatMap((file) => {
    const path = relative(ROOT, file);
    if (!path.startsWith('dist/')) return [path];
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    return map.sources.map((source) => relative(ROOT, resolve(dirname(file), source)));
  });
}

/** Server, MCP and pg code: what only `serve`, `mcp` and a PostgreSQL store need. */
const SURFACE_MODULES = [
  /^src\/server\//,
  /^src\/mcp\//,
  /^src\/store\/postgres\//,
  /node_modules\/@modelcontextprotocol\//,
  /node_modules\/hono\//,
  /node_modules\/@hono\//,
  /node_modules\/pg\//,
];

const scratch = mkdtempSync(join(tmpdir(), 'baton-lazy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('what each entry point loads', () => {
  it('the library entry point loads no server, MCP or pg code', () => {
    const loaded = modulesLoaded(['--input-type=module', '-e', "await import('./dist/index.js')"], ROOT);
    expect(loaded).toContain('src/engine/baton.ts');
    expect(loaded.filter((path) => SURFACE_MODULES.some((pattern) => pattern.test(path)))).toEqual([]);
    // Tracing is loaded when a run or an attempt first starts a span (engine/tracing.ts loadTracing).
    expect(loaded.filter((path) => path.includes('node_modules/@opentelemetry/'))).toEqual([]);
  });

  it('`baton --version` loads no command, engine or core code', () => {
    const loaded = modulesLoaded([BIN, '--version'], scratch);
    // The program, its command table and exit codes, and the pipe and process-group clean-up
    // that must be in place before any command runs; nothing else of Baton's.
    expect(loaded.filter((path) => path.startsWith('src/')).sort()).toEqual([
      'src/capabilities/command/live-groups.ts',
      'src/cli/closed-pipe.ts',
      'src/cli/command-table.ts',
      'src/cli/exit-codes.ts',
      'src/cli/main.ts',
      'src/core/errors.ts',
    ]);
  });

  it('`baton status` loads its own command and no other, nor any server, MCP or pg code', () => {
    const loaded = modulesLoaded([BIN, 'status'], scratch);
    expect(loaded.filter((path) => path.startsWith('src/cli/commands/')).sort()).toEqual([
      'src/cli/commands/inspect.ts',
      'src/cli/commands/pipeline.ts',
    ]);
    expect(loaded.filter((path) => SURFACE_MODULES.some((pattern) => pattern.test(path)))).toEqual([]);
    expect(loaded.filter((path) => path.includes('node_modules/@opentelemetry/'))).toEqual([]);
    // Listing runs parses no plan: zod loads at its first use (core/deferred-packages.ts).
    expect(loaded.filter((path) => path.includes('node_modules/zod/'))).toEqual([]);
  });

  it('the YAML parser, the CEL interpreter and zod load at their first use, not at import', () => {
    // All three come through `require` (core/deferred-packages.ts), which the load hooks above do
    // not see: the require cache tells. cel-js and zod are ES modules, so an `import` of either
    // would show in the hooks. zod must be the instance `import` gives (its ES build, .js files),
    // not a second copy (its CommonJS build, .cjs files) beside the one the MCP and AI SDKs import.
    writeFileSync(
      join(scratch, 'deferred.yaml'),
      'baton: 1\nname: deferred\ninputs: { n: { type: number, default: 2 } }\nsteps:\n  a: { skill: noop, when: "inputs.n > 1" }\n',
    );
    const script = `
      import { createRequire } from 'node:module';
      const deferred = () => [...new Set(Object.keys(createRequire(import.meta.url).cache)
        .map((path) => /node_modules\\/(yaml|@marcbachmann\\/cel-js|zod)\\//.exec(path)?.[1]).filter(Boolean))].sort();
      const { createBaton } = await import('./dist/index.js');
      const atImport = deferred();
      const baton = await createBaton({ home: ${JSON.stringify(join(scratch, 'deferred-home'))} });
      baton.register({ id: 'noop', skills: { noop: 1 }, run: (input) => input });
      const run = await baton.submit(${JSON.stringify(join(scratch, 'deferred.yaml'))});
      const { status } = await run.result();
      await baton.close();
      const zodFiles = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/node_modules/zod/'));
      const sameZod = zodFiles.length > 0 && zodFiles.every((path) => path.endsWith('.js'));
      console.log(JSON.stringify({ atImport, status, afterRun: deferred(), sameZod }));`;
    const loaded = modulesLoaded(['--input-type=module', '-e', "await import('./dist/index.js')"], ROOT);
    expect(loaded.filter((path) => /node_modules\/(yaml|@marcbachmann\/cel-js|zod)\//.test(path))).toEqual([]);
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      atImport: [],
      status: 'succeeded',
      afterRun: ['@marcbachmann/cel-js', 'yaml', 'zod'],
      sameZod: true,
    });
  });

  it('the MCP server and the PostgreSQL store are the package subpaths baton-engine/mcp and baton-engine/postgres', () => {
    // Inside the package, `baton-engine` resolves to the package itself (self-reference), through its "exports".
    const script = `
      const library = await import('baton-engine');
      const mcp = await import('baton-engine/mcp');
      const postgres = await import('baton-engine/postgres');
      console.log(JSON.stringify({
        library: ['createBaton', 'createMcpServer', 'handleMcpHttp', 'PostgresStore'].filter((name) => name in library),
        mcp: [typeof mcp.createMcpServer, typeof mcp.handleMcpHttp, typeof mcp.Scope],
        postgres: typeof postgres.PostgresStore,
      }));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      library: ['createBaton'],
      mcp: ['function', 'function', 'object'],
      postgres: 'function',
    });
  });
});
