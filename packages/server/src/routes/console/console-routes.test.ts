// The web console's static routes, in process: the built folder served under /console/ with its CSP, `/`
// redirected there, a 503 page and one log line when the build is missing, nothing at all when disabled.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';
import { CONSOLE_CSP, registerConsoleRoutes } from './console-routes.js';

function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'sluice-console-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><script type="module" src="/console/assets/app-1.js"></script>',
  );
  writeFileSync(join(root, 'assets', 'app-1.js'), 'export {};');
  return root;
}

describe('console routes', () => {
  let app: TestApp | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the built page with a CSP that allows no inline script, and its hashed assets as immutable', async () => {
    const root = fakeBuild();
    dirs.push(root);
    app = await createTestApp({ console: { root } });
    const page = await app.request('GET', '/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('/console/assets/app-1.js');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await app.request('GET', '/console/assets/app-1.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect((await app.request('GET', '/console/assets/nope.js')).status).toBe(404);
  });

  it('redirects / and /console to /console/', async () => {
    const root = fakeBuild();
    dirs.push(root);
    app = await createTestApp({ console: { root } });
    for (const url of ['/', '/console']) {
      const res = await app.request('GET', url);
      expect(res.status, url).toBeGreaterThanOrEqual(301);
      expect(res.headers['location'], url).toBe('/console/');
    }
  });

  it('answers 503 with a page saying how to build it, and logs one line, when the build is missing', async () => {
    const warnings: string[] = [];
    const fastify = Fastify();
    const root = join(tmpdir(), 'sluice-console-missing-' + process.pid);
    registerConsoleRoutes(fastify, {
      enabled: true,
      root,
      log: { warn: (msg: string) => warnings.push(msg) } as never,
    });
    try {
      const res = await fastify.inject({ method: 'GET', url: '/console/' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(root);
    } finally {
      await fastify.close();
    }
  });

  it('serves nothing when console.enabled is false', async () => {
    const root = fakeBuild();
    dirs.push(root);
    app = await createTestApp({ console: { enabled: false, root } });
    expect((await app.request('GET', '/console/')).status).toBe(404);
    expect((await app.request('GET', '/')).status).toBe(404);
    expect((await app.request('GET', '/v2/echo/health')).status).toBe(200);
  });
});
