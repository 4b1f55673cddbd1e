// The web console in a real browser (Debian's Chromium via playwright-core) against a real `sluice serve` with
// the example workers it launches: the endpoints page, a job submitted from Try it followed to COMPLETED with
// its progress on the way, a cancel, a failed job found under the failed filter with its error and log lines,
// and, on a server with keys, a wrong admin key refused and the right one let in. Screenshots of every page go
// to test-results/console/ (gitignored).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from '../support/chromium.js';
import { launchBrowser, SCREENSHOT_DIR, type Browser } from './support/browser.js';
import { eventually, http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const ADMIN_KEY = 'console-admin-key-0123456789';
const UI_TIMEOUT = 30_000;

const ENDPOINTS = {
  'text-transform': {
    workersMin: 1,
    workersMax: 1,
    worker: { command: 'node', args: ['examples/dist/text-transform/worker.js'] },
  },
  'token-stream': {
    workersMin: 1,
    workersMax: 1,
    worker: { command: 'node', args: ['examples/dist/token-stream/worker.js'] },
  },
};

/** Script errors and Content-Security-Policy violations a page reports: each test ends with none. */
const pageProblems: string[] = [];

function watch(page: Page): Page {
  page.setDefaultTimeout(UI_TIMEOUT);
  page.on('pageerror', (error) => pageProblems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content.Security.Policy/i.test(message.text()))
      pageProblems.push(message.text());
  });
  return page;
}

afterEach(() => {
  const problems = pageProblems.splice(0);
  expect(problems).toEqual([]);
});

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Waits until an endpoint has a ready worker, so jobs start at once. */
async function workerReady(server: ServerProcess, endpointId: string): Promise<void> {
  await eventually(
    async () => {
      const health = await http('GET', `${server.baseUrl}/v2/${endpointId}/health`);
      return health.json?.workers?.ready > 0 ? true : undefined;
    },
    30_000,
    `a ready ${endpointId} worker`,
  );
}

describeWithChromium('web console in Chromium', (chromiumPath) => {
  let browser: Browser;
  let server: ServerProcess;

  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchBrowser(chromiumPath),
      startServerProcess({ config: { endpoints: ENDPOINTS } }),
    ]);
    await Promise.all([workerReady(server, 'text-transform'), workerReady(server, 'token-stream')]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDir(server.dir);
  });

  async function open(path: string): Promise<Page> {
    const page = watch(await browser.context.newPage());
    await page.goto(`${server.baseUrl}${path}`);
    return page;
  }

  it('redirects / to the console, whose endpoints page shows the example endpoints', async () => {
    const page = await open('/');
    expect(new URL(page.url()).pathname).toBe('/console/');
    await expect.poll(() => page.title()).toContain('Endpoints');
    for (const id of ['text-transform', 'token-stream']) {
      await page.getByRole('heading', { name: id }).waitFor();
    }
    // Figures and worker counts arrive with the admin API's answer.
    await page
      .locator('[data-endpoint="text-transform"]')
      .getByText(/\d+ idle|\d+ running/)
      .waitFor();
    await shoot(page, 'endpoints');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shoot(page, 'endpoints-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'endpoints-phone');
    await page.close();
  });

  it('opens an endpoint with its workers, scaling actions and jobs', async () => {
    const page = await open('/console/');
    await page.locator('[data-endpoint="text-transform"]').getByRole('link', { name: 'Jobs and workers' }).click();
    await page.getByRole('heading', { name: 'Workers' }).waitFor();
    await page.getByRole('cell', { name: /^w-/ }).first().waitFor();
    // A worker's log, read from the log route when opened.
    await page.getByText('Last lines').first().click();
    await page.locator('td details pre.log').first().or(page.getByText('No lines.')).waitFor();
    expect(await page.getByText('Loading…').count()).toBe(0);
    await page.getByLabel('Workers max').waitFor();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await shoot(page, 'endpoint');
    await page.close();
  });

  it('submits from Try it and follows the job to COMPLETED, showing its progress on the way', async () => {
    const page = await open('/console/#/try?endpoint=text-transform');
    const input = page.getByLabel(/^Input/);
    await input.fill(
      JSON.stringify({ text: 'hello console', ops: ['upper', 'reverse', 'title', 'lower'], delayMs: 1500 }),
    );
    await shoot(page, 'try-it');
    await page.getByRole('button', { name: 'Submit to run' }).click();
    await page.waitForURL(/#\/endpoints\/text-transform\/jobs\//);
    const progress = page.getByTestId('progress');
    await progress.waitFor();
    await expect.poll(() => progress.textContent()).toContain('"step"');
    await page.locator('progress').waitFor();
    await shoot(page, 'job-running');
    await page.getByText('COMPLETED', { exact: true }).waitFor();
    await page.getByText('"text": "elosnoc olleh"').waitFor();
    await shoot(page, 'job-completed');
    await page.close();
  });

  it('cancels a running job and shows CANCELLED', async () => {
    const run = await http('POST', `${server.baseUrl}/v2/text-transform/run`, {
      input: { text: 'slow', ops: ['upper', 'upper', 'upper'], delayMs: 20_000 },
    });
    const page = await open(`/console/#/endpoints/text-transform/jobs/${run.json.id}`);
    await page.getByText('IN_PROGRESS', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByText('CANCELLED', { exact: true }).waitFor();
    const status = await http('GET', `${server.baseUrl}/v2/text-transform/status/${run.json.id}`);
    expect(status.json.status).toBe('CANCELLED');
    await page.close();
  });

  it('finds a failed job under the failed filter and shows its error and log lines', async () => {
    const run = await http('POST', `${server.baseUrl}/v2/text-transform/run`, {
      input: { text: 'doomed', fail: 'boom from the console test' },
    });
    await eventually(async () => {
      const s = await http('GET', `${server.baseUrl}/v2/text-transform/status/${run.json.id}`);
      return s.json.status === 'FAILED' ? true : undefined;
    });
    const page = await open('/console/#/endpoints/text-transform');
    await page.getByRole('checkbox', { name: 'FAILED' }).check();
    const link = page.getByRole('link', { name: run.json.id });
    await link.waitFor();
    await shoot(page, 'endpoint-failed-filter');
    await link.click();
    // Scoped to the job page's status: right after the click the list page (its filter and badges) may still show.
    await page.getByRole('region', { name: 'Status' }).getByText('FAILED', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('job-error').textContent()).toContain('boom from the console test');
    await page.getByText('Traceback').waitFor();
    // The worker logs `handler failed: …` with the job's id; the server keeps it among the job's lines.
    const logLines = page.getByRole('list', { name: 'Log lines' });
    await logLines.getByText('handler failed: Error: boom from the console test').waitFor();
    expect(await logLines.locator('li.level-error').count()).toBeGreaterThanOrEqual(1);
    await shoot(page, 'job-failed');
    await page.close();
  });

  it('shows the jobs above in the endpoint figures', async () => {
    const page = await open('/console/');
    const card = page.locator('[data-endpoint="text-transform"]');
    await card
      .getByText(/^[1-9]\d*\+?$/)
      .first()
      .waitFor();
    await shoot(page, 'endpoints-after-jobs');
    await page.close();
  });
});

describeWithChromium('web console with auth on', (chromiumPath) => {
  let browser: Browser;
  let server: ServerProcess;

  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchBrowser(chromiumPath),
      startServerProcess({
        config: {
          auth: { keys: [{ name: 'ops', key: ADMIN_KEY, kind: 'admin' }] },
          endpoints: { 'text-transform': { workersMin: 0 } },
        },
      }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDir(server.dir);
  });

  it('asks for an admin key, refuses a wrong one and lets the right one in; the page itself carries none', async () => {
    const page = watch(await browser.context.newPage());
    const response = await page.goto(`${server.baseUrl}/console/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await response?.text()).not.toContain(ADMIN_KEY);
    const key = page.getByLabel('Admin key');
    await key.waitFor();
    await shoot(page, 'sign-in');
    await key.fill('wrong-key-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('refused').waitFor();
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'text-transform' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    await page.close();
  });
});
