// Stream iteration over scripted /stream answers: order, exactly-once, the terminal stop, early exits, errors.
import { describe, expect, it, vi } from 'vitest';
import { createClient, SluiceClientError, type FetchLike } from './index.js';

/** Answers /stream with the scripted objects in turn; any request past the script fails the test. */
function scriptedFetch(script: unknown[]) {
  const paths: string[] = [];
  const fetch = vi.fn<FetchLike>((url) => {
    const { pathname, search } = new URL(url);
    paths.push(pathname + search);
    if (script.length === 0) return Promise.reject(new Error('polled past the end of the script'));
    const next = script.shift();
    return Promise.resolve(next instanceof Response ? next : new Response(JSON.stringify(next), { status: 200 }));
  });
  return { paths, fetch };
}

function endpoint(fetch: FetchLike) {
  return createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo');
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const running = (...stream: unknown[]) => ({ id: 'j1', status: 'IN_PROGRESS', workerId: 'w1', stream });

describe('stream()', () => {
  it('concatenates answers exactly once, in order, and stops at the first terminal answer', async () => {
    const { paths, fetch } = scriptedFetch([
      running({ output: 'a' }),
      running(),
      running({ output: 'b' }, { output: 'c' }),
      { id: 'j1', status: 'COMPLETED', workerId: 'w1', executionTime: 9, stream: [{ output: 'd' }] },
    ]);
    const stream = endpoint(fetch).stream('j1', { wait: 2000 });
    expect(fetch).not.toHaveBeenCalled();
    expect(await collect(stream)).toEqual([{ output: 'a' }, { output: 'b' }, { output: 'c' }, { output: 'd' }]);
    expect(await stream.result).toEqual({ id: 'j1', status: 'COMPLETED', workerId: 'w1', executionTime: 9 });
    expect(paths).toEqual(Array(4).fill('/v2/echo/stream/j1?wait=2000'));
  });

  it("ends with a non-streaming job's output in result", async () => {
    const { fetch } = scriptedFetch([running(), { id: 'j1', status: 'COMPLETED', output: { text: 'hi' }, stream: [] }]);
    const stream = endpoint(fetch).stream('j1');
    expect(await collect(stream)).toEqual([]);
    expect(await stream.result).toEqual({ id: 'j1', status: 'COMPLETED', output: { text: 'hi' } });
  });

  it('ends on FAILED with the error in result', async () => {
    const { fetch } = scriptedFetch([{ id: 'j1', status: 'FAILED', error: 'boom', stream: [{ output: 1 }] }]);
    const stream = endpoint(fetch).stream('j1');
    expect(await collect(stream)).toEqual([{ output: 1 }]);
    expect(await stream.result).toEqual({ id: 'j1', status: 'FAILED', error: 'boom' });
  });

  it('resolves result once the terminal answer has arrived, even if the loop is left on its last items', async () => {
    const { fetch } = scriptedFetch([{ id: 'j1', status: 'COMPLETED', stream: [{ output: 1 }, { output: 2 }] }]);
    const stream = endpoint(fetch).stream('j1');
    for await (const item of stream) {
      expect(item).toEqual({ output: 1 });
      break;
    }
    expect(await stream.result).toEqual({ id: 'j1', status: 'COMPLETED' });
  });

  it('stops polling when the loop is left early, and rejects result with ERR_CLIENT_ABORTED', async () => {
    const { fetch } = scriptedFetch([running({ output: 1 }), running({ output: 2 })]);
    const stream = endpoint(fetch).stream('j1');
    for await (const _item of stream) break;
    await expect(stream.result).rejects.toMatchObject({ code: 'ERR_CLIENT_ABORTED' });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('throws a failed poll from the loop and rejects result with the same error', async () => {
    const notFound = new Response(JSON.stringify({ error: 'request does not exist', code: 'ERR_JOB_NOT_FOUND' }), {
      status: 404,
    });
    const { fetch } = scriptedFetch([running({ output: 1 }), notFound]);
    const stream = endpoint(fetch).stream('j1');
    const items: unknown[] = [];
    const error = await (async () => {
      for await (const item of stream) items.push(item);
    })().catch((e: unknown) => e);
    expect(items).toEqual([{ output: 1 }]);
    expect(error).toBeInstanceOf(SluiceClientError);
    expect(error).toMatchObject({ status: 404, code: 'ERR_JOB_NOT_FOUND' });
    await expect(stream.result).rejects.toBe(error);
  });

  it('rejects an answer without a stream array instead of looping', async () => {
    const { fetch } = scriptedFetch([{ id: 'j1', status: 'IN_PROGRESS' }]);
    await expect(collect(endpoint(fetch).stream('j1'))).rejects.toMatchObject({ code: 'ERR_CLIENT_BAD_RESPONSE' });
  });

  it('ends with ERR_CLIENT_ABORTED when the signal aborts', async () => {
    const { fetch } = scriptedFetch([running({ output: 1 }), running({ output: 2 })]);
    const controller = new AbortController();
    const stream = endpoint(fetch).stream('j1', { signal: controller.signal });
    const items: unknown[] = [];
    const error = await (async () => {
      for await (const item of stream) {
        items.push(item);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(items).toEqual([{ output: 1 }]);
    expect(error).toMatchObject({ code: 'ERR_CLIENT_ABORTED' });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('can be iterated only once', async () => {
    const { fetch } = scriptedFetch([{ id: 'j1', status: 'COMPLETED', stream: [] }]);
    const stream = endpoint(fetch).stream('j1');
    await collect(stream);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError);
  });
});
