import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, batonSettled } from './cli.js';

// Names that match no secret pattern (`*_KEY`, `*_TOKEN`, ...): only the http capability naming them makes them secret.
const ENV = { HOOK_AUTH: 'Bearer tok-e2e-4b7d19c2a8f3', HOOK_HMAC: 'whsec-e2e-90a1c6f27d5b' };

function workspaceBytes(home: string): Buffer {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk(home);
  expect(files).toContain(join(home, 'baton.db'));
  expect(files.some((file) => file.startsWith(join(home, 'artifacts')))).toBe(true);
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

describe('secrets of an http capability', () => {
  it('are sent, and appear nowhere in the database, the artifacts, `baton run --json` or `baton log --json`', async () => {
    // A server that echoes every credential it got (and the signing key it knows) in its answers.
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const echo = {
          auth: request.headers.authorization,
          key: ENV.HOOK_HMAC,
          signed: request.headers['baton-signature'],
        };
        const status = request.url === '/refuse' ? 403 : 200;
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const home = tempDir();
    const plan = join(tempDir(), 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        baton: 1,
        name: 'http-secrets',
        capabilities: {
          hook: {
            kind: 'http',
            url: `${origin}{{ input.path }}`,
            headers_env: { Authorization: 'HOOK_AUTH' },
            secret_env: 'HOOK_HMAC',
            skills: { call: 1 },
          },
          keep: {
            kind: 'command',
            command: [
              process.execPath,
              '-e',
              "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>require('fs').writeFileSync(process.env.BATON_ARTIFACTS_DIR+'/echo.json',s))",
            ],
            skills: { keep: 1 },
          },
        },
        steps: {
          call: { skill: 'call', input: { path: '/hook' } },
          keep: { skill: 'keep', after: ['call'], input: '{{ steps.call.output }}' },
          refuse: { skill: 'call', after: ['keep'], input: { path: '/refuse' } },
        },
      }),
    );
    const run = await batonSettled(['run', plan, '--run-id', 'http-secrets-1', '--json'], { home, env: ENV });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as { outputs: Record<string, unknown>; failure: string };
    expect(result.outputs.call).toMatchObject({ auth: '[redacted:HOOK_AUTH]', key: '[redacted:HOOK_HMAC]' });
    expect((result.outputs.call as { signed: string }).signed).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(result.failure).toContain(
      'answered 403 Forbidden: {"auth":"[redacted:HOOK_AUTH]","key":"[redacted:HOOK_HMAC]"',
    );

    const log = baton(['log', 'http-secrets-1', '--json'], { home });
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain('[redacted:HOOK_AUTH]');
    const bytes = workspaceBytes(home);
    expect(bytes.includes('[redacted:HOOK_HMAC]')).toBe(true);
    for (const value of Object.values(ENV)) {
      for (const [where, text] of [
        ['workspace', bytes],
        ['run --json', run.stdout + run.stderr],
        ['log --json', log.stdout + log.stderr],
      ] as const) {
        expect(text.includes(value), `${where} holds a secret`).toBe(false);
      }
    }
  });
});
