/**
 * `npx tsx bench/dashboard.ts`: how the dashboard's run page copes with a 10,000-step run, in
 * Chromium against a real `baton serve`. A measurement, not a test: it prints figures for
 * docs/benchmarks.md and fails only when the page never shows the run.
 *
 * The run: 500 chains of 20 steps that wait for signals (no processes to start, so the figures
 * are the dashboard's and the server's, not a capability's). The first step of each chain waits
 * for `go`, the rest for `later`. Measured:
 * - first render: from navigation to the render that shows all 10,000 steps with every event so far;
 * - live burst: the signal `go` sent from the page makes ~1,000 events at once (500 steps succeed,
 *   the next 500 start waiting); from sending it to the render that includes the last of them,
 *   and from the last event's arrival to that render (the page's own share).
 * The page marks each render with `performance.mark('baton:rendered', { detail: { seq } })`.
 *
 * Then the runs list with 10,000 runs (bench/runs-list.ts). `npm run bench:web -- runs-list`
 * measures only that; `-- run-page` only the run page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDashboardBuilt, launchChromium } from '../test/web/browser.js';
import { kill, startBaton, waitUntil } from '../test/support/processes.js';
import { measureRunsList } from './runs-list.js';

const CHAINS = 500;
const LENGTH = 20;

/** What the in-page code reads (this file is type-checked for Node, without the DOM's types). */
interface Mark {
  startTime: number;
  detail: { seq: number };
}
interface InPage {
  performance: {
    now(): number;
    getEntriesByName(name: string): Mark[];
    getEntriesByType(type: string): { domContentLoadedEventEnd: number }[];
  };
  document: { querySelectorAll(selector: string): { length: number } };
}

function plan(): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (let chain = 0; chain < CHAINS; chain += 1) {
    for (let link = 0; link < LENGTH; link += 1) {
      steps[`c${chain}_s${link}`] = {
        await: { signal: link === 0 ? 'go' : 'later' },
        ...(link > 0 && { after: [`c${chain}_s${link - 1}`] }),
      };
    }
  }
  return { baton: 1, name: 'ten-thousand', objective: 'A 10,000-step run for the dashboard benchmark.', steps };
}

async function main(): Promise<void> {
  ensureDashboardBuilt();
  const only = process.argv[2];
  if (only !== undefined && only !== 'runs-list' && only !== 'run-page')
    throw new Error(`unknown part "${only}": runs-list or run-page`);
  if (only !== 'runs-list') await measureRunPage();
  if (only !== 'run-page') {
    const browser = await launchChromium();
    try {
      process.stdout.write(`${JSON.stringify({ runsList: await measureRunsList(browser) }, null, 2)}\n`);
    } finally {
      await browser.close();
    }
  }
}

async function measureRunPage(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'baton-bench-web-'));
  // No tokens on a loopback server: the page and this script act as http:anonymous.
  const server = startBaton(['serve', '--port', '0'], { BATON_HOME: home });
  const browser = await launchChromium();
  try {
    await waitUntil(
      () => /listening on http:\/\/\S+/.test(server.stdout()),
      'baton serve to listen',
      30_000,
      () => server.stderr(),
    );
    const url = (/listening on (http:\/\/\S+)/.exec(server.stdout()) as RegExpExecArray)[1] as string;
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      if (!response.ok)
        throw new Error(`${method} ${path}: ${response.status} ${(await response.text()).slice(0, 500)}`);
      return (await response.json()) as T;
    };
    const settled = async (): Promise<number> => {
      // The run has settled when its ledger stops growing for a second.
      let last = -1;
      for (;;) {
        const now = await api<{ events: number }>('GET', '/v1/runs/big');
        if (now.events === last) return last;
        last = now.events;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    };

    const started = performance.now();
    await api('POST', '/v1/runs', { plan: plan(), runId: 'big' });
    const initialEvents = await settled();
    const serverMs = performance.now() - started;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/runs/big`);
    const rendered = (seq: number) =>
      page.waitForFunction(
        (target) =>
          (globalThis as unknown as InPage).performance
            .getEntriesByName('baton:rendered')
            .some((mark) => mark.detail.seq >= target),
        seq,
        { timeout: 300_000, polling: 50 },
      );
    await rendered(initialEvents);
    const firstRender = await page.evaluate((target) => {
      const { performance: timing, document } = globalThis as unknown as InPage;
      const mark = timing.getEntriesByName('baton:rendered').find((entry) => entry.detail.seq >= target) as Mark;
      const dom = timing.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? 0;
      const received = timing.getEntriesByName('baton:received').find((entry) => entry.detail.seq >= target);
      return {
        ms: mark.startTime,
        received: received?.startTime ?? null,
        domContentLoaded: dom,
        nodes: document.querySelectorAll('.step-node').length,
      };
    }, initialEvents);

    // The burst: sent from the page, so that both ends are on the page's clock.
    const sentAt = await page.evaluate(async () => {
      const at = (globalThis as unknown as InPage).performance.now();
      await fetch('/v1/runs/big/signals', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'go' }),
      });
      return at;
    });
    const finalEvents = await settled();
    await rendered(finalEvents);
    const burst = await page.evaluate(
      ({ target, sentAt: sent }) => {
        const timing = (globalThis as unknown as InPage).performance;
        const marks = timing.getEntriesByName('baton:rendered');
        const done = marks.find((mark) => mark.detail.seq >= target) as Mark;
        const received = timing.getEntriesByName('baton:received').find((mark) => mark.detail.seq >= target);
        const renders = marks.filter((mark) => mark.startTime > sent && mark.startTime <= done.startTime).length;
        return { total: done.startTime - sent, lag: received ? done.startTime - received.startTime : null, renders };
      },
      { target: finalEvents, sentAt },
    );

    // Still responsive after the burst: a click on another tab renders it.
    const clickStarted = await page.evaluate(() => (globalThis as unknown as InPage).performance.now());
    await page.getByRole('tab', { name: 'Steps' }).click();
    await page.locator('table.steps').waitFor();
    const clickMs = (await page.evaluate(() => (globalThis as unknown as InPage).performance.now())) - clickStarted;

    const report = {
      steps: CHAINS * LENGTH,
      initialEvents,
      serverSubmitToSettledMs: Math.round(serverMs),
      firstRenderMs: Math.round(firstRender.ms),
      firstEventsReceivedMs: firstRender.received === null ? null : Math.round(firstRender.received),
      domContentLoadedMs: Math.round(firstRender.domContentLoaded),
      stepNodesInDom: firstRender.nodes,
      burstEvents: finalEvents - initialEvents,
      burstSignalToRenderedMs: Math.round(burst.total),
      burstLastEventToRenderedMs: burst.lag === null ? null : Math.round(burst.lag),
      rendersDuringBurst: burst.renders,
      stepsTabClickMs: Math.round(clickMs),
      pageErrors: errors,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await browser.close();
    await kill(server, 'SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
