/**
 * The runs list with 10,000 runs (part of `npm run bench:web`): how long the API takes to answer
 * the first page, a page deep in the list, a status filter and a search, and how long Chromium
 * takes to show the list. A measurement, not a test: it prints medians for docs/benchmarks.md.
 *
 * The runs are written straight through the store (ended runs with valid ledgers; see
 * test/support/seed-runs.ts), then `baton serve` opens the workspace. One run in ten failed; one
 * run, old enough to be on page 197 of 200, pursues a "needle": the search for it reads every
 * run, the worst case of a substring search that no index serves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { encodeRunCursor } from '../src/server/cursor.js';
import { kill, startBaton, waitUntil } from '../test/support/processes.js';
import { seedEndedRuns } from '../test/support/seed-runs.js';

const RUNS = 10_000;
const PAGE = 50;
const API_REPEATS = 21;
const PAGE_REPEATS = 7;
const NEEDLE_RUN = 150;

const runId = (i: number): string => `run-${String(i).padStart(5, '0')}`;
const createdAt = (i: number): string => new Date(Date.parse('2026-01-01T00:00:00.000Z') + i * 60_000).toISOString();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] as number);
}

interface InPage {
  performance: { now(): number };
  document: { querySelectorAll(selector: string): { length: number } };
}

export async function measureRunsList(browser: Browser): Promise<Record<string, unknown>> {
  const home = mkdtempSync(join(tmpdir(), 'baton-bench-runs-'));
  const seedStarted = performance.now();
  await seedEndedRuns(home, RUNS, (i) => ({
    runId: runId(i),
    name: i % 3 === 0 ? 'nightly report' : 'hourly sync',
    objective: i === NEEDLE_RUN ? 'Find the needle in the haystack' : `Batch ${i} of the benchmark`,
    status: i % 10 === 0 ? 'failed' : 'succeeded',
  }));
  const seedMs = performance.now() - seedStarted;
  const server = startBaton(['serve', '--port', '0'], { BATON_HOME: home });
  try {
    await waitUntil(
      () => /listening on http:\/\/\S+/.test(server.stdout()),
      'baton serve to listen',
      60_000,
      () => server.stderr(),
    );
    const url = (/listening on (http:\/\/\S+)/.exec(server.stdout()) as RegExpExecArray)[1] as string;
    const timed = async (path: string, expected: number): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < API_REPEATS; i += 1) {
        const started = performance.now();
        const response = await fetch(`${url}${path}`);
        const body = (await response.json()) as { runs: unknown[] };
        times.push(performance.now() - started);
        if (!response.ok || body.runs.length !== expected)
          throw new Error(`${path}: ${response.status}, ${body.runs.length} runs (expected ${expected})`);
      }
      return median(times.slice(1)); // the first warms the statement cache
    };
    // Page 181 of 200: the 50 runs after run 1,000 (newest first).
    const deep = encodeRunCursor({ createdAt: createdAt(1_000), runId: runId(1_000) });
    const api = {
      firstPageMs: await timed(`/v1/runs?limit=${PAGE}`, PAGE),
      deepPageMs: await timed(`/v1/runs?limit=${PAGE}&cursor=${deep}`, PAGE),
      failedFirstPageMs: await timed(`/v1/runs?limit=${PAGE}&status=failed`, PAGE),
      searchCommonMs: await timed(`/v1/runs?limit=${PAGE}&q=nightly`, PAGE),
      searchRareMs: await timed(`/v1/runs?limit=${PAGE}&q=needle`, 1),
    };

    // In the page: from navigation to the render that shows the list, then the next page on a click.
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const rows = (count: number) =>
      page.waitForFunction(
        (n) => (globalThis as unknown as InPage).document.querySelectorAll('tr[data-run]').length === n,
        count,
        { polling: 'raf', timeout: 60_000 },
      );
    const shown = async (path: string, count: number): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < PAGE_REPEATS; i += 1) {
        await page.goto(`${url}${path}`);
        await rows(count);
        times.push(await page.evaluate(() => (globalThis as unknown as InPage).performance.now()));
      }
      return median(times);
    };
    const firstPageMs = await shown('/', PAGE);
    const searchMs = await shown('/?q=needle', 1);
    const olderClicks: number[] = [];
    for (let i = 0; i < PAGE_REPEATS; i += 1) {
      await page.goto(url);
      await rows(PAGE);
      const started = await page.evaluate(() => (globalThis as unknown as InPage).performance.now());
      await page.getByRole('button', { name: 'Older →' }).click();
      await page.locator(`tr[data-run="${runId(RUNS - PAGE - 1)}"]`).waitFor();
      olderClicks.push((await page.evaluate(() => (globalThis as unknown as InPage).performance.now())) - started);
    }
    await page.close();
    return {
      runs: RUNS,
      seedSeconds: Math.round(seedMs / 100) / 10,
      apiMedianMs: api,
      chromiumMedianMs: {
        firstPageShown: firstPageMs,
        searchShown: searchMs,
        olderPageShownAfterClick: median(olderClicks),
      },
      loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
    };
  } finally {
    await kill(server, 'SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
}
