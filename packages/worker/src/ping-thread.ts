// The heartbeat's own thread (spec §6.7): the JavaScript a node:worker_threads Worker runs so pings go on
// while a handler blocks the main event loop. It is a self-contained CommonJS string rather than a module
// file because tests run the TypeScript sources, and Node 20 cannot load .ts in a Worker.
import { HEADER_BYTES, readSharedText } from './shared-text.js';

/** `workerData` of the ping thread. */
export interface PingThreadData {
  /** The ping URL for the jobs in flight, kept current by the main thread (shared-text.ts); no text: no ping. */
  url: SharedArrayBuffer;
  /** Sent raw as `Authorization`, as createHttpClient does (spec §1.2); none when undefined. */
  apiKey: string | undefined;
  intervalMs: number;
  /** A ping is abandoned after this long, headers and body included. */
  timeoutMs: number;
}

/** Main thread → ping thread. */
export type ToPingThread =
  /** The URL outgrew its shared buffer: read it from this one from now on. */
  | { type: 'url'; url: SharedArrayBuffer }
  /** Stop pinging, drop the ping under way and close the sockets. */
  | { type: 'stop' };

/** Ping thread → main thread: a line for the WorkerLogger. */
export interface FromPingThread {
  type: 'log';
  level: 'debug' | 'warn';
  message: string;
}

/**
 * Mirrors the main thread's HTTP client (http.ts) for one GET: keep-alive agent, one retry when a reused
 * socket turns out stale, the raw token, no body. This is a template literal: no backticks in here, and `${`
 * only to embed the shared-text reader.
 */
export const PING_THREAD_SOURCE = `
'use strict';
const http = require('node:http');
const https = require('node:https');
const { parentPort, workerData } = require('node:worker_threads');

const { apiKey, intervalMs, timeoutMs } = workerData;
const headers = apiKey ? { Authorization: apiKey } : {};
// A kept-alive socket the server closed just as we reused it fails with these; nothing reached the server.
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);
const agents = new Map();

// Rewritten by the main thread whenever a job starts or ends; replaced when the URL outgrows it.
let urlBuffer = workerData.url;
const HEADER_BYTES = ${HEADER_BYTES};
${readSharedText.toString()}
// The ping under way, if any: the next tick skips rather than sending a second one.
let pending;
let stopped = false;

function log(level, message) {
  parentPort.postMessage({ type: 'log', level, message });
}

// Same wording as logger.ts describeError, so log lines read as they did from the main thread.
function describe(err) {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ' (' + err.cause.message + ')' : '';
  return err.name + ': ' + err.message + cause;
}

function open(target) {
  const client = target.protocol === 'http:' ? http : target.protocol === 'https:' ? https : undefined;
  if (!client) throw new TypeError('unsupported protocol in ' + target.href + ': only http: and https: are');
  let agent = agents.get(target.protocol);
  if (!agent) {
    agent = new client.Agent({ keepAlive: true, scheduling: 'lifo' });
    agents.set(target.protocol, agent);
  }
  return client.request(target, { method: 'GET', headers, agent });
}

// Sends one ping to the given URL; it is the pending one until it settles.
function ping(url) {
  let target;
  let current;
  let settled = false;
  const settle = (error, status) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    pending = undefined;
    if (error !== undefined) {
      if (current) current.destroy();
      if (!stopped) log('warn', 'ping failed: ' + describe(error));
    } else if (status !== 200) {
      log('debug', 'ping answered HTTP ' + status);
    }
  };
  const timer = setTimeout(
    () => settle(new DOMException('request timed out after ' + timeoutMs + ' ms', 'TimeoutError')),
    timeoutMs,
  );
  const attempt = (isRetry) => {
    let responded = false;
    const req = open(target);
    current = req;
    req.on('error', (err) => {
      if (settled) return;
      if (!isRetry && !responded && req.reusedSocket && STALE_SOCKET_CODES.has(err.code)) return attempt(true);
      settle(err);
    });
    req.on('response', (res) => {
      responded = true;
      // The answer ({}) is ignored, but read to the end so the socket returns to the pool.
      res.resume();
      res.on('end', () => settle(undefined, res.statusCode));
      res.on('error', (err) => settle(err));
      res.on('close', () => {
        if (!res.complete) settle(new Error('the connection closed before the answer was complete'));
      });
    });
    req.end();
  };
  // Set before the first attempt, so a failure thrown at once (a bad URL) still clears it.
  pending = { cancel: () => settle(new DOMException('worker stopped', 'AbortError')) };
  try {
    target = new URL(url);
    attempt(false);
  } catch (err) {
    settle(err);
  }
}

function tick() {
  if (pending || stopped) return;
  const url = readSharedText(urlBuffer);
  if (url !== undefined) ping(url);
}

// Not unref'd: this timer is what keeps the thread alive; the main thread unrefs the Worker itself.
tick();
const interval = setInterval(tick, intervalMs);

parentPort.on('message', (message) => {
  if (message.type === 'url') {
    urlBuffer = message.url;
  } else if (message.type === 'stop') {
    stopped = true;
    clearInterval(interval);
    if (pending) pending.cancel();
    for (const agent of agents.values()) agent.destroy();
    parentPort.close();
  }
});
`;
