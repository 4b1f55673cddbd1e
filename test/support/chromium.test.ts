// The Chromium the run found is the one the rule picks, and it runs: the helper browser tests build on.
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { chromiumPath, describeWithChromium } from './chromium.js';
import { isExecutable } from './private-redis.js';
import { resolveChromium } from './requirements.js';

describeWithChromium('Chromium for browser tests', (executablePath) => {
  it('is CHROMIUM_PATH or /usr/bin/chromium, and runs', () => {
    expect(executablePath).toBe(resolveChromium(process.env, { isExecutable }));
    expect(chromiumPath()).toBe(executablePath);
    expect(execFileSync(executablePath, ['--version'], { encoding: 'utf8' })).toMatch(/Chromium \d+/);
  });
});
