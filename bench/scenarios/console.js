// Scenario 7, the web console's jobs page with many jobs stored (issue 15): 100,000 jobs submitted to one endpoint,
// then Chromium (playwright-core, Debian's /usr/bin/chromium or CHROMIUM_PATH) opens the endpoint page and the
// time until its jobs table shows the newest page is measured, cold (first open of a fresh browser) and warm
// (median of later opens). Baseline: the history route the page calls, fetched alone.
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { hammer } from '../lib/load.js';
import { RUN_BODY } from '../lib/payload.js';
import { row, skipped } from '../lib/report.js';
import { benchEndpoint, startSluice } from '../lib/sluice-server.js';
import { monoMs, summarize } from '../lib/stats.js';

export const title = 'the web console’s jobs page with 100,000 jobs stored';

const TARGET_MS = 1000;
const PAGE_ROWS = 50;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function run(ctx) {
  const { jobs, warmOpens } = ctx.settings.console;
  const label = jobs.toLocaleString('en-US');
  const metric = `jobs page open, ${label} jobs stored`;
  const target = `< ${TARGET_MS} ms`;
  if (!executable(CHROMIUM)) {
    const reason = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
    ctx.log(`skipped: ${reason}`);
    return { rows: [skipped('console', metric, reason, target)], data: { skipped: reason } };
  }
  const sluice = await startSluice({ endpoints: { bench: benchEndpoint() } });
  try {
    const probe = await sluice.http.request('GET', '/admin/endpoints/bench/jobs?limit=1');
    if (probe.status === 404) {
      const reason = 'this build has no job history route (GET /admin/endpoints/{id}/jobs)';
      ctx.log(`skipped: ${reason}`);
      return { rows: [skipped('console', metric, reason, target)], data: { skipped: reason } };
    }
    const fill = await hammer({ url: `${sluice.baseUrl}/v2/bench/run`, body: RUN_BODY, connections: 32, amount: jobs });
    const stored = (await sluice.health('bench')).jobs.inQueue;
    ctx.log(`${stored} jobs stored in ${fill.seconds.toFixed(0)} s (${Math.round(fill.rps)} req/s)`);

    const api = [];
    for (let i = 0; i < 5; i++) {
      const t0 = monoMs();
      await sluice.http.json('GET', `/admin/endpoints/bench/jobs?limit=${PAGE_ROWS}`);
      api.push(monoMs() - t0);
    }
    const opens = await openJobsPage(sluice.baseUrl, 1 + warmOpens);
    const cold = opens[0];
    const warm = summarize(opens.slice(1));
    const apiMs = summarize(api).p50;
    ctx.log(
      `jobs page: cold ${cold.toFixed(0)} ms, warm p50 ${warm.p50.toFixed(0)} ms; history route alone ${apiMs.toFixed(1)} ms`,
    );
    const baselineOf = `GET …/jobs?limit=${PAGE_ROWS} alone, p50`;
    return {
      rows: [
        row({
          scenario: 'console',
          metric: `${metric} (cold browser)`,
          value: cold,
          unit: 'ms',
          baseline: apiMs,
          baselineOf,
          target,
          met: cold < TARGET_MS,
        }),
        row({
          scenario: 'console',
          metric: `${metric} (warm, p50 of ${warmOpens})`,
          value: warm.p50,
          unit: 'ms',
          baseline: apiMs,
          baselineOf,
          target,
          met: warm.p50 < TARGET_MS,
        }),
      ],
      data: { stored, fillSeconds: fill.seconds, coldMs: cold, warm, apiMs: summarize(api) },
    };
  } finally {
    await sluice.stop();
    rmSync(sluice.dir, { recursive: true, force: true });
  }
}

/** Opens the endpoint page `times` in one fresh browser; each time from navigation to the jobs table's full first page. */
async function openJobsPage(baseUrl, times) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
  try {
    const durations = [];
    for (let i = 0; i < times; i++) {
      const page = await context.newPage();
      const t0 = monoMs();
      await page.goto(`${baseUrl}/console/#/endpoints/bench`);
      await page
        .locator('table[aria-label="Jobs, newest first"] tbody tr')
        .nth(PAGE_ROWS - 1)
        .waitFor({ timeout: 30_000 });
      durations.push(monoMs() - t0);
      await page.close();
    }
    return durations;
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
