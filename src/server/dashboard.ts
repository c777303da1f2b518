import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Context, Hono } from 'hono';
import type { AppEnv } from './route.js';
import { ApiErrorCode } from './errors.js';
import { packageRoot } from '../package-root.js';

/** Where `npm run build:web` leaves the dashboard: `dist-web/` at the package's root. */
export const DEFAULT_DASHBOARD_DIR = join(packageRoot(), 'dist-web');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** Paths the API and its other protocols own: never answered with the dashboard, even when unknown there. */
const API_PREFIXES = ['/v1/', '/mcp/'];
const API_PATHS = new Set(['/v1', '/mcp', '/openapi.json', '/docs']);

/**
 * The dashboard's page may talk only to this server (the API is same-origin) and load nothing from
 * elsewhere. Inline style attributes are allowed because the graph positions its nodes with them.
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const NOT_BUILT = (dir: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baton: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>This server serves the web dashboard from <code>${escapeHtml(dir)}</code>, which has no <code>index.html</code>.
Build it in Baton's package with <code>npm run build:web</code> (<code>npm install</code> builds it too), then reload.</p>
<p>The API works without it: <a href="/docs">the API reference</a>, <a href="/openapi.json">the OpenAPI document</a>.</p>
</body></html>`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string);
}

function isApiPath(path: string): boolean {
  return API_PATHS.has(path) || API_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** The file under `root` a URL path names, or null when it would leave `root` (`..`, encoded or not). */
function fileUnder(root: string, path: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = resolve(root, `.${decoded}`);
  return file === resolve(root) || file.startsWith(resolve(root) + sep) ? file : null;
}

async function readIfFile(file: string): Promise<Buffer | null> {
  try {
    if (!(await stat(file)).isFile()) return null;
    return await readFile(file);
  } catch {
    return null;
  }
}

/**
 * Serves the built dashboard at `/`: its files with their content types, and `index.html` for
 * every other path that is not the API's (the app routes on the client: `/runs/abc` is a page).
 * Mounted after the API's routes, so it never shadows them; an unknown API path is still the
 * API's JSON 404. The files are public, like `/docs`: they hold no data, and the page asks for a
 * token before it reads any.
 */
export function mountDashboard(app: Hono<AppEnv>, dir: string): void {
  const root = resolve(dir);
  const serve = async (c: Context<AppEnv>): Promise<Response> => {
    const path = new URL(c.req.url).pathname;
    if (isApiPath(path)) return c.notFound();
    const file = path === '/' ? null : fileUnder(root, path);
    const bytes = file === null ? null : await readIfFile(file);
    if (file !== null && bytes !== null) {
      // Vite names built assets by their content hash: they never change under one name.
      const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
      return c.body(new Uint8Array(bytes), 200, { 'Content-Type': type, 'Cache-Control': cache, ...SECURITY_HEADERS });
    }
    // A missing file with an extension is a missing file, not a page of the app.
    // It answers in the API's error shape: every error this server gives is one JSON shape.
    if (extname(path) !== '')
      return c.json({ error: { code: ApiErrorCode.notFound, message: `no file ${path} in the dashboard` } }, 404);
    const index = await readIfFile(join(root, 'index.html'));
    if (index === null) return c.html(NOT_BUILT(root), 503, { 'Cache-Control': 'no-cache' });
    return c.body(new Uint8Array(index), 200, {
      'Content-Type': CONTENT_TYPES['.html'] as string,
      'Cache-Control': 'no-cache',
      ...SECURITY_HEADERS,
    });
  };
  app.get('/*', serve);
}
