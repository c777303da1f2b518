import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBaton } from '../../src/index.js';
import { baton } from '../e2e/cli.js';
import { kill } from '../support/processes.js';
import { seedEndedRuns } from '../support/seed-runs.js';
import { ARTIFACTS, ensureDashboardBuilt, launchChromium, serveWorkspace, type Served } from './browser.js';
import { CHAIN, CONSENSUS, FLAKY, GATED } from './plans.js';

/** The browser's globals a test reads inside page.evaluate (the test itself is type-checked for Node). */
interface InPage {
  marker?: number;
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  document: { documentElement: { scrollWidth: number } };
}

interface LedgerEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

let home: string;
let server: Served;
let browser: Browser;
let context: BrowserContext;
/** Console errors and uncaught exceptions of every page, checked after each test. */
const problems: string[] = [];

async function newPage(ctx: BrowserContext = context): Promise<Page> {
  const page = await ctx.newPage();
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return page;
}

async function submit(plan: unknown, runId: string): Promise<void> {
  await server.api('POST', '/v1/runs', { plan, runId });
}

async function ledger(runId: string): Promise<LedgerEvent[]> {
  return (await server.api<{ events: LedgerEvent[] }>('GET', `/v1/runs/${runId}/ledger?limit=1000`)).events;
}

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')})`,
    );
}

beforeAll(async () => {
  ensureDashboardBuilt();
  home = mkdtempSync(join(tmpdir(), 'baton-web-'));
  // The first token is the operator's (it submits); alice watches and approves.
  server = await serveWorkspace(home, { ops: 'admin', alice: 'read,approve' });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const secret = server.tokens.alice as string;
  await context.addInitScript(
    (token) => (globalThis as unknown as InPage).sessionStorage.setItem('baton.token', token),
    secret,
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) await kill(server.process, 'SIGTERM');
  if (home) rmSync(home, { recursive: true, force: true });
});

// Each test checks the problems its own pages had.
beforeEach(() => {
  problems.length = 0;
});

describe('the dashboard in a browser', () => {
  it('asks for a token once, keeps it for the tab, and lists a run that then runs live to completion in its graph', async () => {
    expect(server.process.stdout()).toContain(`  dashboard: ${server.url}/\n`);
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await newPage(fresh);
    await page.goto(server.url);
    await page.getByLabel('Token').fill(server.tokens.alice as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    // The only console errors allowed: the 401s of asking before the token was entered.
    problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('401')));

    await submit(CHAIN, 'chain-1');
    const row = page.locator('tr[data-run="chain-1"]');
    await row.waitFor({ timeout: 15_000 });
    await expect(row.getByRole('link', { name: 'chain' })).toBeTruthy();
    await row.getByRole('link', { name: 'chain' }).click();

    // A marker on the window survives only if the page never reloads.
    await page.evaluate(() => ((globalThis as unknown as InPage).marker = 42));
    const publish = page.locator('.step-node[data-step="publish"]');
    await page.locator('.step-node[data-step="go"][data-status="awaiting"]').waitFor({ timeout: 15_000 });
    expect(await publish.getAttribute('data-status')).toBe('waiting');
    await server.api('POST', '/v1/runs/chain-1/signals', { name: 'go' });
    await page.locator('.step-node[data-step="publish"][data-status="succeeded"]').waitFor({ timeout: 15_000 });
    for (const step of ['fetch', 'go', 'build', 'publish'])
      expect(await page.locator(`.step-node[data-step="${step}"]`).getAttribute('data-status')).toBe('succeeded');
    await page.getByRole('heading', { name: /chain/ }).getByText('succeeded').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as InPage).marker)).toBe(42);
    expect(await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.getItem('baton.token'))).toBe(
      server.tokens.alice,
    );

    await page.screenshot({ path: join(ARTIFACTS, 'run-page.png'), fullPage: true });
    await page.goto(server.url);
    await page.locator('tr[data-run="chain-1"]').getByText('4/4').waitFor();
    await fresh.close();
    expect(problems).toEqual([]);
  });

  it('approving a gate in the page lets the run go on, and the ledger records who approved and why', async () => {
    await submit(GATED, 'gate-ok');
    const page = await newPage();
    await page.goto(`${server.url}/runs/gate-ok`);
    const card = page.locator('[data-decision="gate:execution"]');
    await card.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'pending-gate.png'), fullPage: true });
    await card.getByLabel(/Comment/).fill('staging looks right');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('heading', { name: /gated-release/ })
      .getByText('succeeded')
      .waitFor({ timeout: 15_000 });
    await page.locator('.acts').getByText('token:alice').waitFor();

    const made = (await ledger('gate-ok')).find((event) => event.type === 'decision.made');
    expect(made?.data).toMatchObject({
      id: 'gate:execution',
      verdict: 'approved',
      by: 'token:alice',
      comment: 'staging looks right',
    });
    expect(problems).toEqual([]);
  });

  it('shows a drafted plan waiting for approval with its outline, and approving it binds the plan revision', async () => {
    // A run created by the library with a plan approval, as `baton run --objective` creates one.
    const library = await createBaton({ home });
    const drafted = await library.submit(
      {
        baton: 1,
        name: 'drafted',
        capabilities: { writer: { kind: 'command', command: ['node', '-e', '1'], skills: { write: 1 } } },
        steps: { draft: { skill: 'write' } },
      },
      {
        runId: 'drafted-1',
        approval: {
          reason: 'drafted by planner from the objective "Write it"',
          outline: 'phase main\n  draft  skill write -> writer',
        },
      },
    );
    expect((await drafted.result()).status).toBe('waiting');
    await library.close();

    const page = await newPage();
    await page.goto(`${server.url}/runs/drafted-1`);
    const card = page.locator('[data-decision="plan:1"]');
    await card.waitFor({ timeout: 15_000 });
    await card.getByLabel('plan outline').getByText('draft  skill write -> writer').waitFor();
    await card.getByRole('button', { name: 'Approve the plan' }).click();
    await page.locator('.acts').getByText('token:alice').waitFor({ timeout: 15_000 });
    const events = await ledger('drafted-1');
    const created = events[0]?.data as { planHash: string };
    expect(events.find((event) => event.type === 'decision.made')?.data).toMatchObject({
      id: 'plan:1',
      verdict: 'approved',
      by: 'token:alice',
      evidence: { revision: 1, planHash: created.planHash },
    });
    expect(problems).toEqual([]);
  });

  it('a denied gate shows why', async () => {
    await submit(GATED, 'gate-no');
    const page = await newPage();
    await page.goto(`${server.url}/runs/gate-no`);
    const card = page.locator('[data-decision="gate:execution"]');
    await card.waitFor({ timeout: 15_000 });
    await card.getByLabel(/Comment/).fill('the release window is closed');
    await card.getByRole('button', { name: 'Deny' }).click();
    const failure = page.getByTestId('failure');
    await failure.waitFor({ timeout: 15_000 });
    expect(await failure.textContent()).toMatch(/denied/);
    await page.locator('.acts').getByText('the release window is closed').waitFor();
    const made = (await ledger('gate-no')).find((event) => event.type === 'decision.made');
    expect(made?.data).toMatchObject({ verdict: 'denied', by: 'token:alice', comment: 'the release window is closed' });
    expect(problems).toEqual([]);
  });

  it('shows the votes of a contradiction side by side', async () => {
    await submit(CONSENSUS, 'votes-1');
    const page = await newPage();
    await page.goto(`${server.url}/runs/votes-1`);
    const card = page.locator('[data-decision="escalation:classify"]');
    await card.waitFor({ timeout: 15_000 });
    // The card comes with the server's view; the votes with the ledger's event, a moment apart.
    const votes = card.locator('.vote');
    await votes.nth(2).waitFor();
    expect(await votes.count()).toBe(3);
    const byCapability = Object.fromEntries(
      await Promise.all(
        (await votes.all()).map(async (vote) => [
          await vote.getAttribute('data-capability'),
          (await vote.locator('pre').textContent())?.replace(/\s+/g, ''),
        ]),
      ),
    );
    expect(byCapability).toEqual({
      'model-a': '{"label":"ham"}',
      'model-b': '{"label":"ham"}',
      'model-c': '{"label":"spam"}',
    });
    // Side by side: one row of three at this width.
    const tops = await Promise.all((await votes.all()).map(async (vote) => (await vote.boundingBox())?.y));
    expect(new Set(tops).size).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'consensus-votes.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('the timeline shows a failed attempt, the wait before its retry, and the retry that succeeded', async () => {
    await submit(FLAKY, 'flaky-1');
    const page = await newPage();
    await page.goto(`${server.url}/runs/flaky-1`);
    await page.getByRole('heading', { name: /flaky/ }).getByText('succeeded').waitFor({ timeout: 20_000 });
    await page.getByRole('tab', { name: 'Timeline' }).click();
    const row = page.locator('[data-row="sync"]');
    await row.waitFor();
    expect(await row.locator('.bar.attempt[data-attempt="1"]').getAttribute('data-outcome')).toBe('failed');
    expect(await row.locator('.bar.attempt[data-attempt="2"]').getAttribute('data-outcome')).toBe('succeeded');
    expect(await row.locator('.bar.wait-retry').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'timeline-retry.png'), fullPage: true });

    // The failed attempt's details: its error as the capability wrote it.
    await row.getByRole('rowheader').click();
    await page.getByRole('complementary', { name: 'step sync' }).getByText('upstream answered 503').first().waitFor();
    expect(problems).toEqual([]);
  });

  it('audits a run: the verification badge, the ledger in pages, the routing log, and the diff between plan revisions', async () => {
    await submit(GATED, 'revised-1');
    const page = await newPage();
    await page.goto(`${server.url}/runs/revised-1`);
    await page.locator('[data-decision="gate:execution"]').waitFor({ timeout: 15_000 });
    const revised = { ...GATED, steps: { ...GATED.steps, ship: { ...GATED.steps.ship, input: { target: 'canary' } } } };
    await server.api('POST', '/v1/runs/revised-1/revisions', { plan: revised });
    await page.getByRole('link', { name: /Audit/ }).click();
    const badge = page.getByTestId('verify');
    await badge.waitFor();
    expect(await badge.textContent()).toMatch(/chain verified: \d+ events/);
    await page.getByRole('cell', { name: 'run.created' }).waitFor();
    await page.getByRole('cell', { name: 'plan.revised' }).waitFor();
    const diff = page.getByRole('figure', { name: 'diff of revision 1 and 2' });
    await diff.waitFor();
    expect(await diff.locator('.diff-added').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('"target": "canary"')]),
    );
    await page.getByRole('region', { name: 'routing log' }).getByRole('link', { name: 'build' }).waitFor();
    await page
      .getByLabel('pipeline state as Markdown')
      .filter({ hasText: '# Pipeline state: gated-release (`revised-1`)' })
      .waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'audit.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Capabilities' }).click();
    await page.getByRole('cell', { name: /model-c/ }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'capabilities.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('has no serious accessibility violations on the runs page and a run page, at desktop and phone width', async () => {
    const page = await newPage();
    await page.goto(server.url);
    await page.locator('tr[data-run="chain-1"]').getByText('4/4').waitFor({ timeout: 15_000 });
    // By now the list has runs of every kind above: waiting, denied, succeeded.
    await page.screenshot({ path: join(ARTIFACTS, 'runs-list.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${server.url}/runs/gate-ok?step=ship`);
    await page.getByRole('complementary', { name: 'step ship' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'step-panel.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'run-page-phone.png'), fullPage: true });
    expect(
      await page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(390);
    await page.goto(server.url);
    await page.locator('tr[data-run="chain-1"]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'runs-list-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});

describe('the runs list with more runs than a page', () => {
  it('searches every run on the server, not just the page shown, and keeps the search in the address', async () => {
    const manyHome = mkdtempSync(join(tmpdir(), 'baton-web-many-'));
    // 60 runs, newest first 50 a page: run-003, the only one pursuing a needle, is on the second page.
    await seedEndedRuns(manyHome, 60, (i) => ({
      runId: `run-${String(i).padStart(3, '0')}`,
      name: 'nightly batch',
      objective: i === 3 ? 'Find the NEEDLE in the haystack' : 'Sort the hay',
    }));
    const many = await serveWorkspace(manyHome, {});
    const anonymous = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await newPage(anonymous);
      await page.goto(many.url);
      await page.locator('tr[data-run="run-059"]').waitFor({ timeout: 15_000 });
      expect(await page.locator('tr[data-run]').count()).toBe(50);
      expect(await page.locator('tr[data-run="run-003"]').count()).toBe(0);

      await page.getByLabel('Search').fill('needle');
      await page.locator('tr[data-run="run-003"]').waitFor({ timeout: 15_000 });
      await page.waitForFunction(
        () =>
          (
            globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
          ).document.querySelectorAll('tr[data-run]').length === 1,
      );
      await page.waitForURL((url) => url.searchParams.get('q') === 'needle');
      await page.screenshot({ path: join(ARTIFACTS, 'runs-search.png'), fullPage: true });

      // A reload (or the link shared) shows the same search.
      await page.reload();
      await page.locator('tr[data-run="run-003"]').waitFor({ timeout: 15_000 });
      expect(await page.getByLabel('Search').inputValue()).toBe('needle');
      expect(await page.locator('tr[data-run]').count()).toBe(1);

      // What matches nothing says so; clearing the box lists every run again.
      await page.getByLabel('Search').fill('no such run');
      await page.getByText('has “no such run” in its id, plan name or objective').waitFor({ timeout: 15_000 });
      await page.getByLabel('Search').fill('');
      await page.locator('tr[data-run="run-059"]').waitFor({ timeout: 15_000 });
      await page.waitForURL((url) => !url.searchParams.has('q'));
      expect(problems).toEqual([]);
    } finally {
      await anonymous.close();
      await kill(many.process, 'SIGTERM');
      rmSync(manyHome, { recursive: true, force: true });
    }
  });
});

describe('the dashboard on an open loopback server (no tokens)', () => {
  it('reads without asking for a token, and offers no act until one is entered', async () => {
    const openHome = mkdtempSync(join(tmpdir(), 'baton-web-open-'));
    // Without a token the server only reads: the run is made from the CLI, and stops at its gate (exit 4).
    const planFile = join(openHome, 'gated.json');
    writeFileSync(planFile, JSON.stringify(GATED));
    expect(baton(['run', planFile, '--run-id', 'open-1'], { home: openHome }).code).toBe(4);
    const open = await serveWorkspace(openHome, {});
    const anonymous = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const refused = await fetch(`${open.url}/v1/runs/open-1/approvals`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ target: 'execution' }),
      });
      expect(refused.status).toBe(403);
      const page = await newPage(anonymous);
      await page.goto(open.url);
      await page.getByText('read-only (no token)').waitFor();
      await page.locator('tr[data-run="open-1"]').getByRole('link', { name: 'gated-release' }).click();
      const card = page.locator('[data-decision="gate:execution"]');
      await card.waitFor({ timeout: 15_000 });
      await card.getByText('Sign in with a token that has the approve scope').waitFor();
      expect(await card.getByRole('button').count()).toBe(0);
      expect(await page.getByRole('group', { name: 'run controls' }).count()).toBe(0);
      expect(problems).toEqual([]);

      // A run that does not exist: the server's message, and a way back.
      await page.goto(`${open.url}/runs/nope`);
      await page.getByRole('alert').filter({ hasText: 'run "nope" not found' }).waitFor();
      await page.getByRole('link', { name: 'Back to the runs' }).waitFor();
      // Chromium logs each 404 answer as a failed resource; nothing else may be logged.
      expect(problems.filter((problem) => !problem.includes('404'))).toEqual([]);
    } finally {
      await anonymous.close();
      await kill(open.process, 'SIGTERM');
      rmSync(openHome, { recursive: true, force: true });
    }
  });
});
