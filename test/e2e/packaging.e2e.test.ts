// What a user installs: each workspace package packed by `npm pack`, installed from its tarball in an empty
// folder (with its registry dependencies; @sluice/* from the local tarballs, since that scope is not ours on
// the public registry), then used there: `sluice serve` launches a TypeScript worker through the installed
// bin, and @sluice/client calls it. Needs `npm run build` (npm pack ships dist/).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix } from '../../packages/server/src/store/redis/delete-prefix.js';
import { REPO_ROOT, removeDir } from './support/server-process.js';

const run = promisify(execFile);
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PREFIX = `sluice-pack-${randomUUID().slice(0, 8)}`;
const PACKAGES = ['protocol', 'worker', 'client', 'server'] as const;
/** npm reaches the registry for third-party packages (from its cache when it can): be patient. */
const INSTALL_TIMEOUT_MS = 240_000;

// TypeScript-only syntax, and the SDK's types, so only tsx (the optional peer) can load it.
const HANDLER_TS = `
import type { Handler } from '@sluice/worker';
interface Input { name: string }
const handler: Handler<Input> = async (job, ctx) => {
  await ctx.progress({ greeting: 'started' });
  await ctx.sleep(1);
  return { hello: job.input.name } satisfies { hello: string };
};
export default handler;
`;

const CLIENT_MJS = `
import { createClient } from '@sluice/client';
const endpoint = createClient({ baseUrl: process.argv[2] }).endpoint('hello');
console.log(JSON.stringify(await endpoint.runSync({ name: 'packed' })));
`;

let dir: string;
let tarballs: Record<Name, string>;
let server: ChildProcess | undefined;

type Name = (typeof PACKAGES)[number];

/** What each package needs from the others, as its package.json says. */
const SLUICE_DEPENDENCIES: Record<Name, Name[]> = {
  protocol: [],
  worker: ['protocol'],
  client: ['protocol'],
  server: ['protocol', 'worker', 'client'],
};

/** A package.json with `direct` and the @sluice/* packages they need, all resolving to the local tarballs. */
function manifest(direct: readonly Name[], extra: Record<string, string> = {}): string {
  const needed = new Set<Name>(direct.flatMap((name) => [name, ...SLUICE_DEPENDENCIES[name]]));
  const dependencies: Record<string, string> = { ...extra };
  // As the README advises on Node 20: fastify's light-my-request asks for cookie 2, which declares Node 22.
  const overrides: Record<string, unknown> = { 'light-my-request': { cookie: '^1.1.1' } };
  for (const name of needed) {
    dependencies[`@sluice/${name}`] = `file:${tarballs[name]}`;
    // Transitive @sluice/* dependencies take the direct (tarball) spec instead of the registry's.
    overrides[`@sluice/${name}`] = `$@sluice/${name}`;
  }
  return JSON.stringify({ name: 'app', private: true, type: 'module', dependencies, overrides }, null, 2);
}

async function npmInstall(cwd: string): Promise<string> {
  // --ignore-scripts: no native build of better-sqlite3 here (the test serves from Redis); nothing else needs one.
  const { stderr } = await run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd,
    timeout: INSTALL_TIMEOUT_MS,
    env: { ...process.env, npm_config_loglevel: 'warn' },
  });
  return stderr;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-packaging-'));
  const packed = join(dir, 'tarballs');
  mkdirSync(packed);
  for (const name of PACKAGES) {
    await run('npm', ['pack', '--silent', '--pack-destination', packed], {
      cwd: join(REPO_ROOT, 'packages', name),
      timeout: 60_000,
    });
  }
  const files = readdirSync(packed);
  const find = (name: string) => join(packed, files.find((file) => file.startsWith(`sluice-${name}-`)) ?? '');
  tarballs = { protocol: find('protocol'), worker: find('worker'), client: find('client'), server: find('server') };
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (server?.pid !== undefined) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // Its workers are gone already.
    }
  }
  await deletePrefix(REDIS_URL, PREFIX);
  removeDir(dir);
}, 60_000);

describe('packages installed from their tarballs', () => {
  it.each(['protocol', 'worker', 'client'] as const)(
    '@sluice/%s installs alone and loads',
    async (name) => {
      const app = join(dir, `only-${name}`);
      mkdirSync(app);
      // Only this package (and @sluice/protocol, which it depends on) in an otherwise empty folder.
      writeFileSync(join(app, 'package.json'), manifest([name]));
      await npmInstall(app);
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import('@sluice/${name}'); console.log(Object.keys(m).length > 0)`,
        ],
        { cwd: app },
      );
      expect(stdout.trim()).toBe('true');
    },
    INSTALL_TIMEOUT_MS + 30_000,
  );

  it(
    '@sluice/server serves a TypeScript worker launched by its bin, called with @sluice/client',
    async () => {
      const app = join(dir, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), manifest(['server', 'worker', 'client'], { tsx: '^4.23.15' }));
      writeFileSync(join(app, 'handler.ts'), HANDLER_TS);
      writeFileSync(join(app, 'client.mjs'), CLIENT_MJS);
      writeFileSync(
        join(app, 'sluice.yaml'),
        [
          'server: { port: 0, workerPollHoldMs: 1s }',
          `store: { kind: redis, url: "${REDIS_URL}", prefix: ${PREFIX} }`,
          'endpoints:',
          '  hello:',
          '    workersMin: 1',
          '    worker: { command: ./node_modules/.bin/sluice, args: [worker, handler.ts] }',
        ].join('\n'),
      );
      const installLog = await npmInstall(app);
      expect(installLog).not.toContain('EBADENGINE');

      const check = await run(join(app, 'node_modules/.bin/sluice'), ['config', 'check', 'sluice.yaml'], { cwd: app });
      expect(check.stdout).toContain('sluice.yaml is valid: 1 endpoint(s): hello, store redis');

      server = spawn(join(app, 'node_modules/.bin/sluice'), ['serve', '-c', 'sluice.yaml'], {
        cwd: app,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const baseUrl = await new Promise<string>((resolve, reject) => {
        server!.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /Sluice is serving .* on (http:\/\/\S+)\./.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        server!.once('exit', (code) => reject(new Error(`sluice serve exited with ${code}:\n${output}`)));
      });

      const { stdout } = await run(process.execPath, ['client.mjs', baseUrl], { cwd: app, timeout: 60_000 });
      expect(JSON.parse(stdout)).toMatchObject({ status: 'COMPLETED', output: { hello: 'packed' } });
    },
    INSTALL_TIMEOUT_MS + 90_000,
  );
});
