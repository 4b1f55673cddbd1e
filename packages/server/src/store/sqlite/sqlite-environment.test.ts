// What the SQLite store does when its machine fails it (issue #12 items 6, 7): a path it cannot open names the
// path and the cause; a full disk is ERR_UNAVAILABLE (503, retry), not an internal error, and checkWritable says so.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSluiceError } from '@sluice/protocol';
import { T0, newJob } from '../testing/conformance-support.js';
import { openSqliteJobStore } from './sqlite-job-store.js';

/** Mounts a small tmpfs (root only); undefined, with the reason logged, where mounting is not permitted. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch (error) {
    console.warn(`skipping full-disk tests: cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`);
    return false;
  }
}

/** Writes a file that takes every free byte of the file system holding `dir`. */
function fillDisk(path: string): void {
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${path}`, 'bs=64k'], { stdio: 'pipe' });
  } catch {
    // dd ends with ENOSPC: that is the point.
  }
}

describe('SQLite store and its environment', () => {
  it('names the path and the cause when the database cannot be opened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-env-'));
    try {
      const blocker = join(dir, 'a-file');
      writeFileSync(blocker, 'not a directory');
      const path = join(blocker, 'sluice.db');
      let thrown: unknown;
      try {
        openSqliteJobStore({ path });
      } catch (error) {
        thrown = error;
      }
      expect(isSluiceError(thrown) && thrown.code).toBe('ERR_UNAVAILABLE');
      expect((thrown as Error).message).toMatch(
        new RegExp(
          `^cannot open SQLite database at ${path.replace(/[.]/g, '\\.')}: .*(ENOTDIR|EEXIST|not a directory)`,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('on a full disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-full-'));
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    let mounted = false;
    beforeAll(() => {
      mounted = mountTmpfs(mnt, '4m');
    });
    afterAll(() => {
      if (mounted) execFileSync('umount', [mnt]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers writes and checkWritable with ERR_UNAVAILABLE, and recovers once space is freed', async (test) => {
      if (!mounted) test.skip();
      const store = openSqliteJobStore({ path: join(mnt, 'sluice.db') });
      try {
        await store.checkWritable(T0);
        const filler = join(mnt, 'filler');
        fillDisk(filler);
        await expect(store.checkWritable(T0)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
        // A job too large for the WAL space already allocated: SQLite must grow a file and cannot.
        const big = newJob({ id: 'big', input: { blob: 'x'.repeat(2 * 1024 * 1024) } });
        await expect(store.enqueue(big)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
        rmSync(filler);
        await store.checkWritable(T0);
        expect((await store.enqueue(newJob({ id: 'after' }))).created).toBe(true);
      } finally {
        await store.close();
      }
    });
  });
});
