// /livez and /readyz, and what every route answers while the store's disk is full (issue #12 item 6): 503
// ERR_UNAVAILABLE with Retry-After, one warn line for the whole outage, ready again once space is freed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app.js';
import { resolveConfig } from '../../config/load-config.js';
import { openSqliteJobStore } from '../../store/sqlite/sqlite-job-store.js';

const KEY = { authorization: 'Bearer client-key-0123456789' };

function captureLog(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as never);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('probes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-probes-'));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  let mounted = false;
  beforeAll(() => {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'pipe' });
      mounted = true;
    } catch (error) {
      console.warn(`full-disk probe test skipped: cannot mount a tmpfs (${(error as Error).message.split('\n')[0]})`);
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /livez and /readyz without a key, and /readyz 503 once shutting down', async () => {
    const store = openSqliteJobStore({ path: join(dir, 'plain.db') });
    const config = resolveConfig({
      auth: { keys: [{ name: 'app', key: 'client-key-0123456789', kind: 'client' }] },
      endpoints: { echo: {} },
    });
    const sluice = createApp({ store, config, logger: false });
    try {
      expect((await sluice.app.inject({ method: 'GET', url: '/livez' })).json()).toEqual({ status: 'ok' });
      const ready = await sluice.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });
      sluice.beginShutdown();
      const draining = await sluice.app.inject({ method: 'GET', url: '/readyz' });
      expect(draining.statusCode).toBe(503);
      expect(draining.headers['retry-after']).toBe('5');
      expect((await sluice.app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
    } finally {
      sluice.endHolds();
      await sluice.app.close();
      await store.close();
    }
  });

  it('on a full disk: 503 ERR_UNAVAILABLE with Retry-After, one warn line, ready again when space is freed', async (test) => {
    if (!mounted) test.skip();
    const store = openSqliteJobStore({ path: join(mnt, 'sluice.db') });
    const config = resolveConfig({
      auth: { keys: [{ name: 'app', key: 'client-key-0123456789', kind: 'client' }] },
      endpoints: { echo: { maxRunBytes: 4 * 1024 * 1024 } },
    });
    const { logger, lines } = captureLog();
    const sluice = createApp({ store, config, logger });
    const filler = join(mnt, 'filler');
    try {
      expect((await sluice.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'pipe' });
      } catch {
        // ENOSPC ends dd: the disk is full.
      }
      const body = JSON.stringify({ input: { blob: 'x'.repeat(2 * 1024 * 1024) } });
      for (let i = 0; i < 5; i++) {
        const res = await sluice.app.inject({
          method: 'POST',
          url: '/v2/echo/run',
          headers: { ...KEY, 'content-type': 'application/json' },
          payload: body,
        });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({ error: 'service unavailable', code: 'ERR_UNAVAILABLE' });
        expect(res.headers['retry-after']).toBe('5');
      }
      const notReady = await sluice.app.inject({ method: 'GET', url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toMatchObject({ code: 'ERR_UNAVAILABLE' });
      expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);

      rmSync(filler);
      expect((await sluice.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      expect(lines.some((l) => l.level === 30 && l.msg === 'store available again')).toBe(true);
      const after = await sluice.app.inject({
        method: 'POST',
        url: '/v2/echo/run',
        headers: { ...KEY, 'content-type': 'application/json' },
        payload: body,
      });
      expect(after.statusCode).toBe(200);
    } finally {
      rmSync(filler, { force: true });
      sluice.endHolds();
      await sluice.app.close();
      await store.close();
    }
  });
});
