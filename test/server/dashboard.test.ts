import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { expectError, startServer } from './harness.js';

/** A stand-in for a built dashboard: an index page and one hashed asset. */
function builtDashboard(): string {
  const dir = tempDir('baton-web-');
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Baton</title><div id="root"></div>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
  writeFileSync(join(dir, 'secret-neighbour.txt'), 'not for you');
  return dir;
}

describe('the dashboard at /', () => {
  it('serves the built files with their content types, and index.html for the pages of the app', async () => {
    const server = await startServer({ dashboard: builtDashboard() });
    const index = await server.call('GET', '/', { token: null });
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await index.text()).toContain('<div id="root">');

    const asset = await server.call('GET', '/assets/index-abc123.js', { token: null });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log("app")');

    // A client route is the app's page, so reloading /runs/r1 works.
    const page = await server.call('GET', '/runs/r1/ledger', { token: null });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    // A missing file is an error in the API's one shape (the HTTP fuzz test found a text/plain one).
    await expectError(await server.call('GET', '/assets/gone.js', { token: null }), 404, 'not_found');
    await expectError(await server.call('GET', '/%20.', { token: null }), 404, 'not_found');
  });

  it('never shadows the API: its routes, its 404s and its documents answer as before', async () => {
    const server = await startServer({ dashboard: builtDashboard() });
    await expectError(await server.call('GET', '/v1/nothing'), 404, 'not_found');
    await expectError(await server.call('GET', '/v1/runs', { token: null }), 401, 'unauthorized');
    expect((await server.call('GET', '/v1/runs')).status).toBe(200);
    expect((await server.call('GET', '/openapi.json', { token: null })).headers.get('content-type')).toMatch(
      /^application\/json/,
    );
    expect(await (await server.call('GET', '/docs', { token: null })).text()).not.toContain('<div id="root">');
    // Paths of the API's other protocols stay theirs (this app mounts none: the API's 404).
    await expectError(await server.call('GET', '/mcp/anything', { token: null }), 404, 'not_found');
  });

  it('serves nothing outside its folder', async () => {
    const dir = builtDashboard();
    const server = await startServer({ dashboard: join(dir, 'assets') });
    for (const path of [
      '/../secret-neighbour.txt',
      '/%2e%2e/secret-neighbour.txt',
      '/..%2fsecret-neighbour.txt',
      '/%2e%2e%2fsecret-neighbour.txt',
    ]) {
      const response = await server.call('GET', path, { token: null });
      expect(await response.text(), path).not.toContain('not for you');
    }
  });

  it('says how to build it when it is not built, instead of failing', async () => {
    const server = await startServer({ dashboard: tempDir('baton-empty-web-') });
    const response = await server.call('GET', '/runs', { token: null });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('npm run build:web');
  });
});
