import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { baton, ROOT } from '../e2e/cli.js';
import { startBaton, waitUntil, type BatonProcess } from '../support/processes.js';

/** Screenshots and other things a person looks at after a run of the browser tests (gitignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'web');

/** Debian's Chromium (`apt-get install -y chromium`); BATON_CHROMIUM names another. */
export const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';

function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the dashboard into dist-web/ unless it is newer than every file of web/. */
export function ensureDashboardBuilt(): void {
  const index = join(ROOT, 'dist-web', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestChange(join(ROOT, 'web'))) return;
  const result = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`npm run build:web failed:\n${result.stdout}\n${result.stderr}`);
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set BATON_CHROMIUM`);
  mkdirSync(ARTIFACTS, { recursive: true });
  // playwright-core gives each launch a fresh temporary profile (its own --user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

export interface Served {
  url: string;
  process: BatonProcess;
  /** Secrets of the tokens made before serving, by name. */
  tokens: Record<string, string>;
  /** A request to the API with a token, its JSON answer. */
  api<T>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
}

/** `baton serve --port 0` on a fresh workspace, with tokens made first (so the server is not open). */
export async function serveWorkspace(home: string, tokens: Record<string, string>): Promise<Served> {
  const secrets: Record<string, string> = {};
  for (const [name, scopes] of Object.entries(tokens)) {
    const made = baton(['token', 'create', '--scope', scopes, '--name', name, '--json'], { home });
    if (made.code !== 0) throw new Error(made.stderr);
    secrets[name] = (JSON.parse(made.stdout) as { secret: string }).secret;
  }
  const served = startBaton(['serve', '--port', '0'], { BATON_HOME: home });
  await waitUntil(
    () => /listening on http:\/\/\S+/.test(served.stdout()),
    'baton serve to listen',
    30_000,
    () => served.stderr(),
  );
  const url = (/listening on (http:\/\/\S+)/.exec(served.stdout()) as RegExpExecArray)[1] as string;
  // Without tokens, a loopback server answers requests without one as http:anonymous, read-only.
  const admin = Object.values(secrets)[0];
  return {
    url,
    process: served,
    tokens: secrets,
    api: async <T>(method: string, path: string, body?: unknown, token = admin): Promise<T> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token !== undefined && { Authorization: `Bearer ${token}` }),
          ...(body !== undefined && { 'Content-Type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
  };
}
