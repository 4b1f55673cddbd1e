// The built `sluice` CLI's messages for the mistakes people make first: a wrong or missing key, a busy port,
// a bad config file; and `--version`, `config check` and `config schema`. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../../../../test/e2e/support/server-process.js';

const BIN = join(REPO_ROOT, 'packages/server/bin/sluice.js');
const CLIENT_KEY = 'messages-client-key-0123456789';
const ADMIN_KEY = 'messages-admin-key-0123456789';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the committed bin with only the given SLUICE_* variables; never rejects. */
function sluice(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return runNode(BIN, args, env);
}

function runNode(script: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')));
  const child = spawn(process.execPath, [script, ...args], {
    cwd: dir,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-cli-messages-'));
  server = await startServerProcess({
    config: { endpoints: { echo: {} } },
    // Keys from the environment alone: client and admin.
    env: { SLUICE_API_KEYS: CLIENT_KEY, SLUICE_ADMIN_KEYS: ADMIN_KEY },
  });
});

afterAll(async () => {
  await server?.stop();
  if (server) removeDir(server.dir);
  removeDir(dir);
});

describe('a 401 says which key was sent and where keys are configured', () => {
  it('for client commands', async () => {
    const none = await sluice({ SLUICE_URL: server.baseUrl }, 'health', 'echo');
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      'sluice: unauthorized (HTTP 401): no client key was sent: pass --api-key <key> or set SLUICE_API_KEY; ' +
        "the server's client keys are configured in its auth.keys with kind: client, or SLUICE_API_KEYS (docs/configuration.md)\n",
    );
    const wrong = await sluice(
      { SLUICE_URL: server.baseUrl, SLUICE_API_KEY: 'not-the-key-0123456789' },
      'health',
      'echo',
    );
    expect(wrong.stderr).toContain('the server refused the client key from SLUICE_API_KEY;');
    const flag = await sluice({ SLUICE_URL: server.baseUrl }, 'health', 'echo', '--api-key', 'not-the-key-0123456789');
    expect(flag.stderr).toContain('the server refused the client key from --api-key;');
    const ok = await sluice({ SLUICE_URL: server.baseUrl, SLUICE_API_KEY: CLIENT_KEY }, 'health', 'echo');
    expect(ok).toMatchObject({ code: 0, stderr: '' });
  });

  it('for admin commands, with an admin key from SLUICE_ADMIN_KEYS accepted', async () => {
    const wrong = await sluice({ SLUICE_URL: server.baseUrl, SLUICE_ADMIN_KEY: CLIENT_KEY }, 'endpoints');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      "the server refused the admin key from SLUICE_ADMIN_KEY; the server's admin keys are configured in its " +
        'auth.keys with kind: admin, or SLUICE_ADMIN_KEYS',
    );
    const ok = await sluice({ SLUICE_URL: server.baseUrl, SLUICE_ADMIN_KEY: ADMIN_KEY }, 'endpoints', '--json');
    expect(ok).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('sluice serve on a busy port', () => {
  let busy: Server;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('prints one line naming the port and how to change it', async () => {
    const address = busy.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const result = await sluice(
      {},
      'serve',
      '--port',
      String(port),
      '--sqlite-path',
      ':memory:',
      '--log-level',
      'silent',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `sluice: port ${port} on 127.0.0.1 is already in use (another sluice serve?): stop that process, or choose ` +
        'another port with --port <n>, SLUICE_PORT or server.port in the config file (0 picks a free one)\n',
    );
  });
});

describe('the committed bin', () => {
  it('asks for a build when the CLI is not compiled yet (a fresh clone before npm run build)', async () => {
    const copy = join(dir, 'unbuilt', 'bin');
    mkdirSync(copy, { recursive: true });
    copyFileSync(BIN, join(copy, 'sluice.js'));
    writeFileSync(join(dir, 'unbuilt', 'package.json'), '{"type": "module"}');
    const result = await runNode(join(copy, 'sluice.js'), ['--version']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'sluice: the CLI is not built yet: run `npm run build` in the Sluice repository first\n',
    });
  });
});

describe('sluice config and --version', () => {
  it('prints the version of @sluice/server', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/server/package.json'), 'utf8')) as {
      version: string;
    };
    expect(await sluice({}, '--version')).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('checks a config file without serving', async () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'endpoints:\n  echo: { executionTimeout: 60s }\n');
    expect(await sluice({}, 'config', 'check', good)).toMatchObject({
      code: 0,
      stdout: `${good} is valid: 1 endpoint(s): echo, store sqlite\n`,
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'endpoints:\n  my model: {}\n  echo: { idleTimout: 5 }\n');
    const result = await sluice({}, 'config', 'check', bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^sluice: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid:\n` +
          ' {2}endpoints\\."my model": is not a valid endpoint id: .*\n' +
          ' {2}endpoints\\.echo\\.idleTimout: unknown key "idleTimout" \\(did you mean "idleTimeout"\\?\\);.*\n$',
      ),
    );
  });

  it('prints the committed JSON Schema', async () => {
    const result = await sluice({}, 'config', 'schema');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(REPO_ROOT, 'packages/server/sluice.schema.json'), 'utf8'));
  });
});
