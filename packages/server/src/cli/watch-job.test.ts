import type { StatusObject } from '@sluice/client';
import { describe, expect, it } from 'vitest';
import { formatProgress, progressFraction } from './progress-bar.js';
import { describeUpdate, watchJob, withoutEmptyAggregate } from './watch-job.js';

type Event = { event: string; data: unknown };

/** A fake server answering each SSE route from its own list of holds (each a list of events); the last repeats. */
function fakeServer(routes: Record<string, Event[][]>) {
  const calls: string[] = [];
  const fetch = (url: URL): Promise<Response> => {
    const route = url.pathname.split('/')[3] ?? '';
    calls.push(route);
    const holds = routes[route] ?? [];
    const events = (holds.length > 1 ? holds.shift() : holds[0]) ?? [];
    const body = events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('');
    return Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
  };
  return { calls, fetch };
}

const running = (output?: unknown): StatusObject =>
  ({ id: 'j', status: 'IN_PROGRESS', workerId: 'w-1', ...(output === undefined ? {} : { output }) }) as StatusObject;
const completed: StatusObject = { id: 'j', status: 'COMPLETED', executionTime: 5, output: [] };

describe('watchJob', () => {
  it('prints every progress update and stream item from server-sent events, reconnecting ended holds', async () => {
    const { calls, fetch } = fakeServer({
      'status-sync': [
        [
          { event: 'status', data: running() },
          { event: 'status', data: running({ percent: 50 }) },
        ],
        [
          { event: 'status', data: running({ percent: 50 }) },
          { event: 'status', data: running({ step: 3, of: 4 }) },
          { event: 'done', data: completed },
        ],
      ],
      stream: [
        [
          { event: 'stream', data: { output: 'tok1' } },
          { event: 'status', data: running() },
          { event: 'stream', data: { output: 'tok2' } },
          { event: 'done', data: completed },
        ],
      ],
    });
    let text = '';
    const result = await watchJob({
      url: 'http://sluice.test',
      endpointId: 'ep',
      jobId: 'j',
      stream: true,
      write: (t) => (text += t),
      fetch,
    });
    expect(result).toEqual({ final: completed, streamed: 2 });
    expect(calls.filter((c) => c === 'status-sync')).toHaveLength(2);
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes('progress'))).toEqual([
      `[j] ${formatProgress({ percent: 50 })}`,
      `[j] ${formatProgress({ step: 3, of: 4 })}`,
    ]);
    expect(lines.filter((l) => l.startsWith('tok'))).toEqual(['tok1', 'tok2']);
    expect(lines).toContain('[j] IN_PROGRESS on w-1');
    expect(withoutEmptyAggregate(result.final, result.streamed)).not.toHaveProperty('output');
    expect(withoutEmptyAggregate(result.final, 0)).toHaveProperty('output', []);
  });

  it('passes on the JSON error of a route that refuses', async () => {
    const fetch = () =>
      Promise.resolve(new Response('{"error":"request does not exist","code":"ERR_JOB_NOT_FOUND"}', { status: 404 }));
    const watching = watchJob({
      url: 'http://sluice.test',
      endpointId: 'ep',
      jobId: 'j',
      stream: false,
      write: () => undefined,
      fetch,
    });
    await expect(watching).rejects.toMatchObject({ status: 404, code: 'ERR_JOB_NOT_FOUND' });
  });
});

describe('progress display', () => {
  it('draws a bar for percent or step of/total, and the value otherwise', () => {
    expect(progressFraction({ percent: 45 })).toBe(0.45);
    expect(progressFraction({ step: 1, total: 4 })).toBe(0.25);
    expect(progressFraction({ step: 1 })).toBeUndefined();
    expect(progressFraction('half')).toBeUndefined();
    expect(formatProgress({ percent: 50 })).toMatch(/^progress \[#{12}\.{12}\] {2}50% \{"percent":50\}$/);
    expect(formatProgress({ stage: 'load' })).toBe('progress: {"stage":"load"}');
  });
});

describe('describeUpdate', () => {
  const queued = { id: 'j', status: 'IN_QUEUE' } as const;
  const running = { id: 'j', status: 'IN_PROGRESS', workerId: 'w-1' } as const;

  it('announces the first status and each change of status', () => {
    expect(describeUpdate(undefined, queued)).toBe('[j] IN_QUEUE\n');
    expect(describeUpdate(queued, running)).toBe('[j] IN_PROGRESS on w-1\n');
    expect(describeUpdate(queued, queued)).toBeUndefined();
    expect(describeUpdate(running, running)).toBeUndefined();
  });

  it('announces each new progress value while IN_PROGRESS', () => {
    const half = { ...running, output: { pct: 50 } };
    expect(describeUpdate(queued, half)).toBe('[j] IN_PROGRESS on w-1\n[j] progress: {"pct":50}\n');
    expect(describeUpdate(running, half)).toBe('[j] progress: {"pct":50}\n');
    expect(describeUpdate(half, { ...half })).toBeUndefined();
    expect(describeUpdate(half, { ...running, output: { pct: 90 } })).toBe('[j] progress: {"pct":90}\n');
  });
});
