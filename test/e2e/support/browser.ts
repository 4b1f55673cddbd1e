// Drives Debian's Chromium with playwright-core for the console's browser tests. Without Chromium the tests skip
// with one line saying how to install it, except in CI (CI=true), where they must run and so fail instead.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from './server-process.js';

export const CHROMIUM_PATH = process.env['SLUICE_CHROMIUM'] ?? '/usr/bin/chromium';

/** Where the tests write their screenshots (gitignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'console');

const INSTALL_HINT = `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` to run the console's browser tests`;

/** True when the browser tests can run; logs the skip line (or throws in CI) when they cannot. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env['CI'] === 'true') throw new Error(`${INSTALL_HINT} (CI=true: browser tests never skip)`);
  console.log(`skipped: ${INSTALL_HINT}`);
  return false;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
