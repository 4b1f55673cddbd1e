import { createClient, type StatusObject, type StreamObject } from '@sluice/client';
import { describe, expect, it } from 'vitest';
import { watchJob } from './watch-job.js';

type Answer = StatusObject | StreamObject;

/** A fake server for one job: each route answers from its own script; the last answer repeats. */
function fakeServer(routes: Record<string, (() => Answer | Promise<Answer>)[]>) {
  const calls: string[] = [];
  const fetch = async (url: string): Promise<Response> => {
    const route = new URL(url).pathname.split('/')[3] ?? '';
    calls.push(route);
    const script = routes[route] ?? [];
    const next = script.length > 1 ? script.shift() : script[0];
    if (!next) return new Response('{"error":"no route"}', { status: 404 });
    return new Response(JSON.stringify(await next()));
  };
  return { calls, endpoint: createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('ep') };
}

const running = (output?: unknown): StatusObject =>
  ({ id: 'j', status: 'IN_PROGRESS', workerId: 'w-1', ...(output === undefined ? {} : { output }) }) as StatusObject;
const completed: StatusObject = { id: 'j', status: 'COMPLETED', executionTime: 5, output: ['a', 'b'] };

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('watchJob', () => {
  it('prints status changes, progress and stream items, and returns the full final status', async () => {
    const written: string[] = [];
    const { endpoint } = fakeServer({
      status: [() => ({ id: 'j', status: 'IN_QUEUE' }), () => running(1), () => running(2), () => completed],
      stream: [
        async () => {
          await until(() => written.some((text) => text.includes('progress: 2')));
          return { ...running(), stream: [{ output: 'a' }] };
        },
        () => ({ id: 'j', status: 'COMPLETED', stream: [{ output: 'b' }] }),
      ],
    });
    const final = await watchJob(endpoint, 'j', { stream: true, write: (text) => written.push(text), pollMs: 1 });
    expect(final).toEqual(completed);
    expect(written.join('')).toBe('[j] IN_QUEUE\n[j] IN_PROGRESS on w-1\n[j] progress: 1\n[j] progress: 2\na\nb\n');
  });

  it('skips what was already shown, and without stream waits by status-sync', async () => {
    const written: string[] = [];
    const { endpoint, calls } = fakeServer({
      status: [() => running({ pct: 10 })],
      'status-sync': [
        async () => {
          await until(() => written.length > 0);
          return completed;
        },
      ],
    });
    const final = await watchJob(endpoint, 'j', {
      stream: false,
      write: (text) => written.push(text),
      shown: { id: 'j', status: 'IN_PROGRESS', workerId: 'w-1' },
      pollMs: 1,
    });
    expect(final).toEqual(completed);
    expect(written).toEqual(['[j] progress: {"pct":10}\n']);
    expect(calls).not.toContain('stream');
    const settled = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.length).toBe(settled);
  });

  it('rejects when the wait fails, and stops polling', async () => {
    const { endpoint, calls } = fakeServer({ status: [] });
    await expect(watchJob(endpoint, 'j', { stream: true, write: () => undefined, pollMs: 1 })).rejects.toMatchObject({
      status: 404,
    });
    const settled = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.length).toBe(settled);
  });
});
