// The console's initial download (the page and every script and stylesheet it loads) stays within 200 KB gzipped
// (issue 15). Measures the build `npm test` makes first (pretest runs `npm run build`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/support/server-process.js';

const DIST = join(REPO_ROOT, 'packages/console/dist');
const BUDGET = 200 * 1024;

function gzipped(path: string): number {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}

describe('console bundle', () => {
  it('loads at most 200 KB gzipped on first open', () => {
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\/console\/([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    const sizes = assets.map((asset) => ({ asset, bytes: gzipped(join(DIST, asset)) }));
    const total = gzipped(join(DIST, 'index.html')) + sizes.reduce((sum, s) => sum + s.bytes, 0);
    console.log(
      `console initial download: ${(total / 1024).toFixed(1)} KB gzipped (${sizes.map((s) => `${s.asset} ${s.bytes} B`).join(', ')})`,
    );
    expect(total).toBeLessThanOrEqual(BUDGET);
  });
});
