import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { API_SCOPES, type Baton } from '../../engine/index.js';
import { createApp, DEFAULT_DASHBOARD_DIR, isLoopbackHost } from '../../server/index.js';
import { badInput } from '../context.js';
import { paint } from '../format.js';
import { mcpMount } from '../mcp-mount.js';

/** What `baton serve` was asked for, checked. */
export interface ServeSettings {
  port: number;
  host: string;
  maxBodyBytes: number;
  rateLimit: { perSecond: number; burst: number };
  cors: string | null;
  /** Anonymous requests (loopback, no tokens) get every scope, not only `read`. */
  allowAnonymous: boolean;
}

// Loaded by `baton serve` when it starts serving, so that no other command loads the HTTP server,
// Hono and the MCP SDK (they are most of the CLI's start-up time).

/** Listens, resolving once the socket is bound; a port in use or an address not on this machine is bad input. */
function listen(server: ReturnType<typeof createAdaptorServer>, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(badInput(`port ${port} is in use on ${host}; choose another with --port (0 picks a free one)`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        reject(badInput(`cannot listen on ${host}: it is not an address of this machine`));
      else if (error.code === 'EACCES')
        reject(
          badInput(
            `not allowed to listen on port ${port} (ports below 1024 need privileges); choose another with --port`,
          ),
        );
      else reject(error);
    });
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** Serves until SIGINT or SIGTERM; then open streams end, runs stop being conducted (they stay resumable) and the workspace closes. */
export async function serve(baton: Baton, options: ServeSettings): Promise<void> {
  const { port, maxBodyBytes, rateLimit } = options;
  const loopback = isLoopbackHost(options.host);
  if (!loopback && options.allowAnonymous)
    throw badInput(
      `--allow-anonymous is for a server on a loopback address (127.0.0.1, ::1, localhost), not ${options.host}: elsewhere every request needs a token`,
    );
  const tokens = await baton.tokens.list({ active: true });
  if (!loopback && tokens.length === 0) {
    throw badInput(
      `refusing to serve on ${options.host} without authentication: the workspace has no tokens. Create one first (baton token create --scope read --name NAME), or serve on 127.0.0.1`,
    );
  }
  const shutdown = new AbortController();
  const app = createApp({
    baton,
    auth: {
      anonymous: loopback ? 'when-no-tokens' : 'never',
      ...(options.allowAnonymous && { anonymousScopes: API_SCOPES }),
    },
    maxBodyBytes,
    rateLimit,
    corsOrigin: options.cors,
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
  process.stdout.write(
    existsSync(join(DEFAULT_DASHBOARD_DIR, 'index.html'))
      ? `  dashboard: ${url}/\n`
      : '  dashboard: not built (npm run build:web in the package builds it)\n',
  );
  if (tokens.length > 0)
    process.stdout.write(`  auth: bearer tokens (${tokens.length} active; baton token list shows them)\n`);
  else
    process.stdout.write(
      options.allowAnonymous
        ? `  ${s('yellow', 'auth: OPEN')}: the workspace has no tokens, so requests to this loopback address act as http:anonymous with every scope (--allow-anonymous), until baton token create makes one\n`
        : '  auth: read-only without a token: the workspace has no tokens, so requests to this loopback address may read as http:anonymous; acting needs a token (baton token create) or --allow-anonymous\n',
    );
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
  process.stdout.write(
    '  Ctrl-C stops serving; runs in progress stay resumable (POST /v1/runs/{id}/resume or baton resume)\n',
  );

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write('baton serve: stopping\n');
      shutdown.abort();
      // Released locks let another engine take the runs up at once instead of after the lease.
      void adopter.stop().finally(() => server.close(() => resolve()));
      // Requests still open after a moment (a slow client) are not waited for.
      setTimeout(
        () => (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.(),
        2_000,
      ).unref();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
