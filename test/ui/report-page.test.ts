/**
 * The web page at /ui/ in headless Chromium against a real server with imported data: sign in,
 * filter, read the totals, the table and the chart, download the CSV, manage import batches; and
 * /docs. Every request the browser makes must go to this server.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_TOKEN, type TestApp, buildTestApp } from '../../support/app.js';
import { SMALL_PLAN, type Seeded, seed } from '../reports/seed.js';
import { browserUnavailable, launchChromium } from './browser.js';

// The functions given to page.evaluate and waitForFunction run in the page; these are the browser
// globals they use, declared here because the project compiles without the DOM library.
declare const document: { querySelector(selector: string): { textContent: string | null } | null };
declare const window: unknown;

const unavailable = browserUnavailable();
/** Set to write the README's screenshots into docs/screenshots/. */
const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(import.meta.dirname, '../../docs/screenshots') : undefined;

describe('web page in Chromium', { skip: unavailable }, () => {
  let t: TestApp;
  let data: Seeded;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  const foreignRequests: string[] = [];

  before(async () => {
    t = await buildTestApp({ now: Date.parse('2025-06-01T12:00:00Z') });
    data = await seed(t, SMALL_PLAN);
    origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, timezoneId: 'UTC', viewport: { width: 1280, height: 1000 } });
    context.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) foreignRequests.push(url);
    });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  async function signedIn(token = ADMIN_TOKEN): Promise<Page> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(`${origin}/ui/`);
    await page.fill('input[name=token]', token);
    await page.fill('input[name=org]', '1');
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#whoami:not([hidden])');
    // Signing in shows this month's report; let it finish, so that its late answer cannot be
    // taken for the answer to a later filter (seen on a slow machine).
    await page.waitForFunction(
      () => document.querySelector('#total')?.textContent?.startsWith('Total') || document.querySelector('#report-error')?.textContent,
    );
    Object.assign(page, { problems });
    return page;
  }
  const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

  async function showMarch(page: Page, fields: Record<string, string> = {}): Promise<void> {
    await page.fill('input[name=from]', '2025-03-01');
    await page.fill('input[name=to]', '2025-03-31');
    await page.fill('input[name=tz]', fields.tz ?? 'UTC');
    for (const name of ['queue', 'issue', 'user']) await page.fill(`input[name=${name}]`, fields[name] ?? '');
    const answered = page.waitForResponse(
      (response) =>
        response.url().includes('/reports/time-spent') &&
        response.url().includes('from=2025-03-01') &&
        response.url().includes('groupBy=day'),
    );
    // The total shown before is cleared, so the wait below sees this report's, not the last one's.
    await page.$eval('#total', (total) => (total.textContent = ''));
    await page.click('#filters button[type=submit]');
    await answered;
    await page.waitForFunction(() => document.querySelector('#total')?.textContent?.startsWith('Total'));
  }

  const tableRows = (page: Page) =>
    page.$$eval('#report-table tbody tr', (rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)));

  it('signs in with a token and refuses a wrong one', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/ui/`);
    await page.fill('input[name=token]', 'not-a-token-at-all');
    await page.click('#sign-in button[type=submit]');
    await page.waitForFunction(() => (document.querySelector('#sign-in-error')?.textContent ?? '') !== '');
    assert.match((await page.textContent('#sign-in-error')) ?? '', /token is unknown/);
    assert.equal(await page.isVisible('#app'), false);
    await page.close();

    const admin = await signedIn();
    assert.match((await admin.textContent('#whoami')) ?? '', /Administrator \(admin\) · organization 1/);
    assert.deepEqual(problemsOf(admin), []);
    await admin.close();
  });

  it('shows the totals, the table and the chart for a period and filters', async () => {
    const page = await signedIn();
    await showMarch(page);
    assert.equal(await page.textContent('#total'), 'Total: P2DT4H10M · 20.17 h · 4 entries');
    assert.deepEqual(await tableRows(page), [
      ['Alice Archer (alice)', 'P1DT2H40M', '10.67', '2'],
      ['Bob Baker (bob)', 'P1DT1H30M', '9.50', '2'],
    ]);
    const chart = await page.evaluate(() => {
      const instance = (
        window as unknown as {
          Chart: { getChart(id: string): { data: { labels: string[]; datasets: { label: string; data: number[] }[] } } };
        }
      ).Chart.getChart('chart');
      return { labels: instance.data.labels, datasets: instance.data.datasets.map((set) => ({ label: set.label, data: set.data })) };
    });
    assert.equal(chart.labels.length, 31, 'one bar per day of March');
    const alice = chart.datasets.find((set) => set.label === 'Alice Archer');
    assert.ok(alice);
    assert.equal(alice.data[chart.labels.indexOf('2025-03-01')], 2);
    assert.equal(Math.round(alice.data[chart.labels.indexOf('2025-03-03')]! * 100) / 100, 8.67);
    if (SCREENSHOT_DIR !== undefined) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'report.png'), fullPage: true });
    }

    await showMarch(page, { queue: 'OPS' });
    assert.equal(await page.textContent('#total'), 'Total: P1D · 8.00 h · 1 entry');
    assert.deepEqual(await tableRows(page), [['Bob Baker (bob)', 'P1D', '8.00', '1']]);

    // Moscow's days: the 22:30 UTC entry of March 1 moves to March 2; grouped per day and queue.
    await page.check('input[name=groupBy][value=queue]');
    await page.uncheck('input[name=groupBy][value=user]');
    await page.selectOption('select[name=period]', 'day');
    await showMarch(page, { tz: 'Europe/Moscow', user: 'alice' });
    assert.deepEqual(await tableRows(page), [
      ['2025-03-02', 'MIG Migration', 'PT2H', '2.00', '1'],
      ['2025-03-03', 'MIG Migration', 'P1DT40M', '8.67', '1'],
    ]);
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  });

  it("says what is wrong with a filter, in the server's words", async () => {
    const page = await signedIn();
    await page.fill('input[name=from]', '2025-03-01');
    await page.fill('input[name=to]', '2025-03-31');
    await page.fill('input[name=tz]', 'Mars/Olympus');
    await page.click('#filters button[type=submit]');
    await page.waitForFunction(() => (document.querySelector('#report-error')?.textContent ?? '') !== '');
    assert.match((await page.textContent('#report-error')) ?? '', /tz: "Mars\/Olympus" is not a known IANA time zone/);
    await page.close();
  });

  it('downloads the table as CSV', async () => {
    const page = await signedIn();
    await page.check('input[name=groupBy][value=issue]');
    await showMarch(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    assert.equal(download.suggestedFilename(), 'time-spent_2025-03-01_2025-03-31.csv');
    const file = await download.path();
    const csv = fs.readFileSync(file, 'utf8');
    const expected = await t.request({
      method: 'GET',
      url: '/timeport/v1/reports/time-spent?from=2025-03-01&to=2025-03-31&tz=UTC&by=start&groupBy=user,issue&format=csv',
    });
    assert.equal(csv, expected.body);
    assert.equal(csv.split('\r\n')[0], 'user_login,user_display,issue_key,issue_summary,duration,seconds,hours,count');
    assert.equal(csv.split('\r\n').length, 5);
    await page.close();
  });

  it('says when the server has no import batches API', async () => {
    const page = await context.newPage();
    // A server without the batch API answers 404 in Tracker's format, as for any unknown route.
    await page.route(`${origin}/timeport/v1/imports`, (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({
          errors: {},
          errorsData: {},
          errorMessages: ['There is no GET /timeport/v1/imports here.'],
          statusCode: 404,
        }),
      }),
    );
    await page.goto(`${origin}/ui/`);
    await page.fill('input[name=token]', ADMIN_TOKEN);
    await page.click('#sign-in button[type=submit]');
    await page.waitForFunction(
      () =>
        document.querySelector('#imports-status')?.textContent !== 'Loading…' &&
        document.querySelector('#imports-status')?.textContent !== '',
    );
    assert.equal(await page.textContent('#imports-status'), 'Import batches are not available on this server.');
    assert.equal(await page.isVisible('#imports-table'), false);
    await page.close();
  });

  it('lists import batches and rolls one back (administrators), where the server has them', async (context_) => {
    if (!t.app.hasRoute({ method: 'GET', url: '/timeport/v1/imports' })) {
      context_.skip('this server has no /timeport/v1/imports yet');
      return;
    }
    const batch = await t.request({
      method: 'POST',
      url: '/timeport/v1/worklogs/_import',
      payload: {
        source: 'ui-test spreadsheet',
        entries: [
          {
            issue: data.issues['Patch the servers'],
            start: '2025-03-20T09:00:00Z',
            duration: 'PT3H',
            createdAt: '2025-04-01T09:00:00Z',
            createdBy: 'alice',
          },
          {
            issue: data.issues['Patch the servers'],
            start: '2025-03-21T09:00:00Z',
            duration: 'PT1H',
            createdAt: '2025-04-01T09:00:00Z',
            createdBy: 'alice',
          },
        ],
      },
    });
    assert.ok(batch.statusCode < 300, batch.body);
    const batchId = (batch.json() as { id: number }).id;

    const page = await signedIn();
    await showMarch(page);
    assert.equal(await page.textContent('#total'), 'Total: P3DT10M · 24.17 h · 6 entries');
    const row = page.locator(`#imports-table tr[data-batch-id="${batchId}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], String(batchId));
    assert.equal(cells[2], 'Administrator');
    assert.equal(cells[3], 'ui-test spreadsheet');
    assert.match(cells[4]!, /created: 2/);
    if (SCREENSHOT_DIR !== undefined) await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'report-and-imports.png'), fullPage: true });

    page.once('dialog', (dialog) => void dialog.accept());
    await row.locator('button', { hasText: 'Roll back' }).click();
    await page.waitForFunction((id) => document.querySelector('#imports-status')?.textContent === `Batch ${id} was rolled back.`, batchId);
    await page.waitForFunction(() => document.querySelector('#total')?.textContent === 'Total: P2DT4H10M · 20.17 h · 4 entries');
    assert.match((await row.locator('td').nth(5).textContent()) ?? '', /^rolled back /);
    assert.equal(await row.locator('button').count(), 0);
    await page.close();

    const member = await signedIn(data.tokens.bob);
    await member.waitForFunction(() => (document.querySelector('#imports-status')?.textContent ?? 'Loading…') !== 'Loading…');
    assert.equal(await member.textContent('#imports-status'), 'Import batches are shown to organization administrators.');
    assert.equal(await member.locator('#imports-table button').count(), 0);
    await member.close();
  });

  it('serves the API docs page from this server', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/docs`);
    await page.waitForSelector('.opblock-summary-path');
    const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((node) => node.textContent?.replace(/\u200b/g, '')));
    assert.ok(paths.includes('/timeport/v1/reports/time-spent'), paths.join(' '));
    assert.ok(paths.includes('/v3/issues/{issue}/worklogs/_import'));
    if (SCREENSHOT_DIR !== undefined) await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'api-docs.png') });
    await page.close();
  });

  /**
   * Opens a page as a visitor does and answers what the browser reported: console errors (a CSP
   * violation is one, so is the 404 of a missing /favicon.ico), uncaught exceptions and answers
   * of 400 or more to any request the page made, the icon's included.
   */
  async function visit(pathname: string, ready: string): Promise<{ problems: string[]; icons: string[] }> {
    const page = await context.newPage();
    const problems: string[] = [];
    const icons: string[] = [];
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      if (/favicon/.test(response.url())) icons.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    await page.goto(`${origin}${pathname}`);
    await page.waitForSelector(ready);
    await page.waitForLoadState('networkidle');
    // The icons the page links, fetched as the browser would (headless Chromium may skip them).
    const base = page.url();
    for (const link of await page.$$eval('link[rel~=icon]', (links) => links.map((element) => element.getAttribute('href') ?? ''))) {
      const href = new URL(link, base).toString();
      const answer = await page.request.get(href);
      icons.push(`${answer.status()} ${new URL(href).pathname}`);
      if (!answer.ok()) problems.push(`${answer.status()} ${href}`);
    }
    await page.close();
    return { problems, icons };
  }

  it('a visit to /ui/ and to /docs leaves the console free of errors; the icon is served', async () => {
    const ui = await visit('/ui/', '#sign-in');
    assert.deepEqual(ui.problems, []);
    assert.ok(
      ui.icons.some((icon) => icon.startsWith('200 ')),
      ui.icons.join(', '),
    );
    const docs = await visit('/docs', '.opblock-summary-path');
    assert.deepEqual(docs.problems, []);
    const favicon = await fetch(`${origin}/favicon.ico`);
    assert.equal(favicon.status, 200);
    assert.match(favicon.headers.get('content-type') ?? '', /^image\//);
    assert.deepEqual([...new Uint8Array(await favicon.arrayBuffer()).subarray(0, 4)], [0, 0, 1, 0], 'an ICO file');
  });

  it('made no request outside this server', () => {
    assert.deepEqual(foreignRequests, []);
  });
});
