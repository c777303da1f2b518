import type { Command } from 'commander';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT } from '../../server/binding.js';
import { badInput, cliRegistry, withBaton, type GlobalOptions } from '../context.js';
import { databaseUrl } from '../database.js';

interface ServeOptions extends GlobalOptions {
  port: string;
  host: string;
  cors?: string;
  maxBody: string;
  rateLimit: string;
  burst: string;
  concurrency?: string;
  allowAnonymous?: boolean;
}

function wholeNumber(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw badInput(`${option} expects a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

function checkOrigin(origin: string): string {
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== origin)
    throw badInput(
      `--cors expects one web origin such as https://dashboard.example.com (scheme, host and port, no path), got "${origin}"`,
    );
  return origin;
}

export function registerServe(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description(
      'serve the HTTP API (REST, server-sent events, OpenAPI) on the workspace; runs submitted to it are conducted here',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on; other than loopback, tokens are required', '127.0.0.1')
    .option(
      '--allow-anonymous',
      'on a loopback server with no tokens, let requests without a token act with every scope (default: they may only read)',
    )
    .option('--cors <origin>', 'allow this one web origin to call the API from a browser (default: none)')
    .option('--max-body <bytes>', 'largest request body', String(DEFAULT_MAX_BODY_BYTES))
    .option('--rate-limit <n>', 'requests per second per token, sustained', String(DEFAULT_RATE_LIMIT.perSecond))
    .option('--burst <n>', 'requests per token at once after being idle', String(DEFAULT_RATE_LIMIT.burst))
    .option(
      '-c, --concurrency <n>',
      'attempts to run at once across the runs conducted here (0 with --db: leave them all to baton worker processes)',
    )
    .action(async (local: ServeOptions) => {
      const options = { ...globals(), ...local };
      if (options.cors !== undefined) checkOrigin(options.cors);
      const concurrency =
        options.concurrency === undefined ? undefined : wholeNumber('--concurrency', options.concurrency, 0, 10_000);
      if (concurrency === 0 && databaseUrl(options.db) === undefined) {
        throw badInput(
          '--concurrency 0 leaves every step to `baton worker` processes, which need a shared database: add --db postgres://... (or set BATON_DATABASE_URL)',
        );
      }
      // The global options (the workspace) open the store, as for every command.
      const settings = {
        port: wholeNumber('--port', options.port, 0, 65_535),
        host: options.host,
        maxBodyBytes: wholeNumber('--max-body', options.maxBody, 1_024, 1024 * 1024 * 1024),
        rateLimit: {
          perSecond: wholeNumber('--rate-limit', options.rateLimit, 1, 1_000_000),
          burst: wholeNumber('--burst', options.burst, 1, 1_000_000),
        },
        cors: options.cors ?? null,
        allowAnonymous: options.allowAnonymous === true,
      };
      // The HTTP server, Hono and the MCP SDK load only here: they are most of the CLI's start-up time.
      const { serve } = await import('./serve-http.js');
      const workspace = await cliRegistry(globals());
      await withBaton({ ...globals(), workspace, ...(concurrency !== undefined && { concurrency }) }, (baton) =>
        serve(baton, settings),
      );
    });
}
