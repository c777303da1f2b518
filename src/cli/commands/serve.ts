import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Command } from 'commander';
import type { Baton } from '../../engine/index.js';
import { createApp, DEFAULT_DASHBOARD_DIR, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT, isLoopbackHost } from '../../server/index.js';
import { badInput, withBaton, type GlobalOptions } from '../context.js';
import { databaseUrl } from '../database.js';
import { paint } from '../format.js';
import { mcpMount } from '../mcp-mount.js';

interface ServeOptions extends GlobalOptions {
  port: string;
  host: string;
  cors?: string;
  maxBody: string;
  rateLimit: string;
  burst: string;
  concurrency?: string;
}

function wholeNumber(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw badInput(`${option} expects a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

function checkOrigin(origin: string): string {
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== origin) throw badInput(`--cors expects one web origin such as https://dashboard.example.com (scheme, host and port, no path), got "${origin}"`);
  return origin;
}

/** Listens, resolving once the socket is bound; a port in use or an address not on this machine is bad input. */
function listen(server: ReturnType<typeof createAdaptorServer>, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(badInput(`port ${port} is in use on ${host}; choose another with --port (0 picks a free one)`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(badInput(`cannot listen on ${host}: it is not an address of this machine`));
      else if (error.code === 'EACCES') reject(badInput(`not allowed to listen on port ${port} (ports below 1024 need privileges); choose another with --port`));
      else reject(error);
    });
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** Serves until SIGINT or SIGTERM; then open streams end, runs stop being conducted (they stay resumable) and the workspace closes. */
async function serve(baton: Baton, options: ServeOptions): Promise<void> {
  const port = wholeNumber('--port', options.port, 0, 65_535);
  const maxBodyBytes = wholeNumber('--max-body', options.maxBody, 1_024, 1024 * 1024 * 1024);
  const rateLimit = { perSecond: wholeNumber('--rate-limit', options.rateLimit, 1, 1_000_000), burst: wholeNumber('--burst', options.burst, 1, 1_000_000) };
  const loopback = isLoopbackHost(options.host);
  const tokens = await baton.tokens.list({ active: true });
  if (!loopback && tokens.length === 0) {
    throw badInput(`refusing to serve on ${options.host} without authentication: the workspace has no tokens. Create one first (baton token create --scope read --name NAME), or serve on 127.0.0.1`);
  }
  const shutdown = new AbortController();
  const app = createApp({
    baton,
    auth: { anonymous: loopback ? 'when-no-tokens' : 'never' },
    maxBodyBytes,
    rateLimit,
    corsOrigin: options.cors ?? null,
    shutdown: shutdown.signal,
    log: (line) => void process.stderr.write(`${line}\n`),
    mounts: [mcpMount(baton, (line) => void process.stderr.write(`${line}\n`))],
  });
  const server = createAdaptorServer({ fetch: app.fetch });
  const address = await listen(server, port, options.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const s = paint(process.stdout);
  process.stdout.write(`baton serve: listening on ${s('bold', url)}\n`);
  process.stdout.write(`  API reference: ${url}/docs (OpenAPI: ${url}/openapi.json); MCP: ${url}/mcp\n`);
  process.stdout.write(existsSync(join(DEFAULT_DASHBOARD_DIR, 'index.html')) ? `  dashboard: ${url}/\n` : '  dashboard: not built (npm run build:web in the package builds it)\n');
  if (tokens.length > 0) process.stdout.write(`  auth: bearer tokens (${tokens.length} active; baton token list shows them)\n`);
  else process.stdout.write(`  ${s('yellow', 'auth: OPEN')}: the workspace has no tokens, so requests to this loopback address act as http:anonymous with every scope, until baton token create makes one\n`);
  if (options.cors) process.stdout.write(`  CORS: ${options.cors} may call the API from a browser\n`);
  // The engine half: every running run of the store that no live engine conducts (submitted
  // detached, left waiting, or orphaned by an engine that died) is taken up here or by a peer.
  const adopter = await baton.conductUnconducted({
    log: (event) => {
      if (event.type === 'adopted') process.stderr.write(`conducting run ${event.runId}\n`);
      else if (event.type === 'finished') process.stderr.write(`run ${event.runId} ${event.status}\n`);
      else process.stderr.write(`${event.runId ? `run ${event.runId}: ` : ''}${event.message}\n`);
    },
  });
  process.stdout.write('  engine: conducts every run of this store that no other engine conducts\n');
  process.stdout.write('  Ctrl-C stops serving; runs in progress stay resumable (POST /v1/runs/{id}/resume or baton resume)\n');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write('baton serve: stopping\n');
      shutdown.abort();
      // Released locks let another engine take the runs up at once instead of after the lease.
      void adopter.stop().finally(() => server.close(() => resolve()));
      // Requests still open after a moment (a slow client) are not waited for.
      setTimeout(() => (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.(), 2_000).unref();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServe(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('serve the HTTP API (REST, server-sent events, OpenAPI) on the workspace; runs submitted to it are conducted here')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on; other than loopback, tokens are required', '127.0.0.1')
    .option('--cors <origin>', 'allow this one web origin to call the API from a browser (default: none)')
    .option('--max-body <bytes>', 'largest request body', String(DEFAULT_MAX_BODY_BYTES))
    .option('--rate-limit <n>', 'requests per second per token, sustained', String(DEFAULT_RATE_LIMIT.perSecond))
    .option('--burst <n>', 'requests per token at once after being idle', String(DEFAULT_RATE_LIMIT.burst))
    .option('-c, --concurrency <n>', 'attempts to run at once across the runs conducted here (0 with --db: leave them all to baton worker processes)')
    .action(async (local: ServeOptions) => {
      const options = { ...globals(), ...local };
      if (options.cors !== undefined) checkOrigin(options.cors);
      const concurrency = options.concurrency === undefined ? undefined : wholeNumber('--concurrency', options.concurrency, 0, 10_000);
      if (concurrency === 0 && databaseUrl(options.db) === undefined) {
        throw badInput('--concurrency 0 leaves every step to `baton worker` processes, which need a shared database: add --db postgres://... (or set BATON_DATABASE_URL)');
      }
      // The global options (the workspace) open the store, as for every command.
      await withBaton({ ...globals(), ...(concurrency !== undefined && { concurrency }) }, (baton) => serve(baton, options));
    });
}
