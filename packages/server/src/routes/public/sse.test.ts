// Server-sent events on `status-sync` and `stream` (spec §9.1): only for an explicit `Accept: text/event-stream`,
// one event per change or item, `done` with the terminal object, a plain close when `wait` runs out.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { changeKey } from '../../jobs/wakeups.js';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const W = '/v2/echo';
const SSE = { accept: 'text/event-stream' };

interface Event {
  event?: string;
  id?: string;
  data?: unknown;
}

/** The events of an SSE body, comments dropped. */
function parse(text: string): Event[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const event: Event = {};
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
        else if (field === 'data') event.data = JSON.parse(value) as unknown;
      }
      return event;
    });
}

/**
 * Resolves once the watcher of `id` has read the job as it is now and waits for its next change: the store
 * publishes a change before the request that made it is answered, which takes the watcher off the key.
 */
async function parked(id: string): Promise<void> {
  await vi.waitFor(() => expect(t.context.wakeups.waiterCount(changeKey('echo', id))).toBe(1), { timeout: 5000 });
}

async function submit(): Promise<string> {
  return (await t.request('POST', `${W}/run`, { body: { input: { n: 1 } } })).json.id as string;
}

describe('SSE', () => {
  it('status-sync sends the state, each change and progress update, then done with the terminal object', async () => {
    const id = await submit();
    const watching = t.request('GET', `${W}/status-sync/${id}`, { headers: { accept: 'text/event-stream, */*' } });
    await parked(id);
    await t.request('GET', `${W}/job-take/w1`);
    await parked(id);
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { status: 'IN_PROGRESS', output: { step: 1 } } });
    await parked(id);
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { output: { text: 'done' } } });
    const res = await watching;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parse(res.text);
    expect(events.map((e) => [e.event, (e.data as { status: string }).status])).toEqual([
      ['status', 'IN_QUEUE'],
      ['status', 'IN_PROGRESS'],
      ['status', 'IN_PROGRESS'],
      ['done', 'COMPLETED'],
    ]);
    expect(events[2]?.data).toMatchObject({ output: { step: 1 } });
    expect(events[3]?.data).toMatchObject({ id, status: 'COMPLETED', output: { text: 'done' } });
  });

  it('status-sync closes without done when wait runs out', async () => {
    const id = await submit();
    const res = await t.request('GET', `${W}/status-sync/${id}?wait=1000`, { headers: SSE });
    expect(parse(res.text).map((e) => e.event)).toEqual(['status']);
  });

  it('keeps the JSON answers for */* (what RunPod clients send) and answers errors as JSON', async () => {
    const id = await submit();
    await t.request('POST', `${W}/cancel/${id}`);
    const json = await t.request('GET', `${W}/status-sync/${id}`, { headers: { accept: '*/*' } });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.json).toMatchObject({ id, status: 'CANCELLED' });
    const missing = await t.request('GET', `${W}/stream/no-such-job`, { headers: SSE });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: 'request does not exist' });
  });

  it('stream sends each item once with its number in the job, state changes, then done without items', async () => {
    const id = await submit();
    const watching = t.request('GET', `${W}/stream/${id}`, { headers: SSE });
    await parked(id);
    await t.request('GET', `${W}/job-take/w1`);
    for (const n of [1, 2, 3]) {
      await t.request('POST', `${W}/job-stream/w1/${id}`, { body: { output: `token ${n}` } });
    }
    await parked(id);
    await t.request('POST', `${W}/job-done/w1/${id}?isStream=true`, { body: { output: [] } });
    const events = parse((await watching).text);
    expect(events.filter((e) => e.event === 'stream')).toEqual([
      { event: 'stream', id: '1', data: { output: 'token 1' } },
      { event: 'stream', id: '2', data: { output: 'token 2' } },
      { event: 'stream', id: '3', data: { output: 'token 3' } },
    ]);
    expect(events[0]).toMatchObject({ event: 'status', data: { status: 'IN_QUEUE' } });
    const done = events.at(-1);
    expect(done).toMatchObject({ event: 'done', data: { id, status: 'COMPLETED' } });
    expect(done?.data).not.toHaveProperty('stream');
    // Consumed: a polling read afterwards finds nothing left.
    expect((await t.request('GET', `${W}/stream/${id}`)).json.stream).toEqual([]);
  });
});
