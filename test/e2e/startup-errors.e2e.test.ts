// `sluice serve` with a store it cannot open exits 1 with one line naming the store and the cause, no stack
// (issue #12 item 7), as it does for an unreachable Redis.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, removeDir } from './support/server-process.js';

const CLI = join(REPO_ROOT, 'packages/server/dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'sluice-startup-'));
afterAll(() => removeDir(dir));

function serve(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe('sluice serve start-up errors', () => {
  it('names an SQLite path it cannot open, and why, in one line', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const path = join(blocker, 'sluice.db');
    const { code, stderr } = await serve('--sqlite-path', path);
    expect(code).toBe(1);
    const lines = stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^sluice: cannot open SQLite database at ${path}: \\S`));
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
