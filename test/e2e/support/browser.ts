// Drives Debian's Chromium with playwright-core for the console's browser tests. Without Chromium the tests skip
// with one line saying how to install it, except in CI (CI set and not "false"/"0"), where they fail instead.
// A local stand-in for the shared rule the testinfra branch adds (test/support/chromium.ts), with the same
// CHROMIUM_PATH variable; once that lands, this check should give way to its describeWithChromium.
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from './server-process.js';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';

/** Where the tests write their screenshots (gitignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'console');

const INSTALL_HINT = `no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH) to run the console's browser tests`;

function isCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when the browser tests can run; logs the one skip line (or throws in CI) when they cannot. */
export function browserAvailable(): boolean {
  if (executable(CHROMIUM_PATH)) return true;
  if (isCi()) throw new Error(`${INSTALL_HINT} (in CI the browser tests never skip)`);
  console.log(`Skipped the console's browser tests: ${INSTALL_HINT}`);
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
