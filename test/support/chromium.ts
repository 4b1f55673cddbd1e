// The one way a browser test gets Chromium: CHROMIUM_PATH, else /usr/bin/chromium, checked once by the global
// setup. Without it, the suite is skipped and named in the line printed at the end of the run (with how to
// install it); with CI=true the file fails instead (.ci/run installs Chromium).
//
//   describeWithChromium('console in a browser', (executablePath) => {
//     // launch it headless with executablePath, e.g. puppeteer-core's launch({ executablePath })
//   });
//
// Never download a browser from a test or an npm script.
import { describe, it } from 'vitest';
import { needs, requirements } from './provided.js';

/** Path of the Chromium found when the run started, or undefined (not recorded as a skip). */
export function chromiumPath(): string | undefined {
  return requirements().chromiumPath;
}

/** Like chromiumPath(), but a missing Chromium is recorded as a skip of `suite` (or fails the file in CI). */
export function requireChromium(suite: string): string | undefined {
  return needs('chromium', suite, chromiumPath());
}

export function describeWithChromium(title: string, body: (executablePath: string) => void): void {
  const path = requireChromium(title);
  if (path === undefined) describe.skip(title, () => it('needs Chromium', () => undefined));
  else describe(title, () => body(path));
}
