// A real server process, played by a worker exactly as runpod-python speaks (spec §6, §7): URL templates
// with $ID and $RUNPOD_POD_ID, raw Authorization, form-typed JSON bodies, job-stop and pings. Then kill -9.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const WORKER_KEY = 'worker-token-0123456789';
const CLIENT_KEY = 'client-key-0123456789';
const config = {
  server: { workerPollHoldMs: 1000 },
  auth: {
    keys: [
      { name: 'app', key: CLIENT_KEY },
      { name: 'box', key: WORKER_KEY, kind: 'worker', endpoints: ['echo'] },
    ],
  },
  endpoints: { echo: {} },
};

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ config });
});
afterAll(async () => {
  await server.kill();
  removeDir(server.dir);
});

/** The templates the launcher would set (spec §7.1), expanded the way runpod-python expands them. */
function templates(base: string, workerId: string) {
  const ep = `${base}/v2/echo`;
  const getJob = `${ep}/job-take/$ID?gpu=cpu`.replace('$ID', workerId);
  const postOutput = (jobId: string) =>
    `${ep}/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu`.replace('$RUNPOD_POD_ID', workerId).replace('$ID', jobId);
  const postStream = (jobId: string) =>
    `${ep}/job-stream/$RUNPOD_POD_ID/$ID?gpu=cpu`.replace('$RUNPOD_POD_ID', workerId).replace('$ID', jobId);
  return {
    take: `${getJob}&job_in_progress=0`,
    stop: getJob.replace('/job-take/', '/job-stop/'),
    done: (jobId: string, isStream: boolean) => `${postOutput(jobId)}&isStream=${isStream}`,
    stream: (jobId: string) => `${postStream(jobId)}&isStream=false`,
    ping: (jobIds: string[]) =>
      `${ep}/ping/${workerId}?gpu=cpu${jobIds.length ? `&job_id=${jobIds.join('%2C')}` : ''}&runpod_version=1.12.0`,
  };
}

const workerHeaders = { authorization: WORKER_KEY, 'x-request-id': 'stale-id' };
const formHeaders = { ...workerHeaders, 'content-type': 'application/x-www-form-urlencoded', charset: 'utf-8' };
const client = { authorization: `Bearer ${CLIENT_KEY}` };

describe('a runpod-python-shaped worker against a real server', () => {
  it('takes, reports progress, streams and completes', async () => {
    const t = templates(server.baseUrl, 'pod-1');
    const run = await http('POST', `${server.baseUrl}/v2/echo/run`, { input: { prompt: 'héllo' } }, client);
    expect(run.json.status).toBe('IN_QUEUE');
    const take = await http('GET', t.take, undefined, workerHeaders);
    expect(take.status).toBe(200);
    expect(take.json).toEqual({ id: run.json.id, input: { prompt: 'héllo' } });
    const id = take.json.id as string;
    expect((await http('GET', t.ping([id]), undefined, workerHeaders)).json).toEqual({});

    await http('POST', t.done(id, false), JSON.stringify({ status: 'IN_PROGRESS', output: { pct: 50 } }), formHeaders);
    const status = await http('GET', `${server.baseUrl}/v2/echo/status/${id}`, undefined, client);
    expect(status.json).toMatchObject({ status: 'IN_PROGRESS', workerId: 'pod-1', output: { pct: 50 } });

    await http('POST', t.stream(id), JSON.stringify({ output: 'tok1' }), formHeaders);
    await http('POST', t.stream(id), JSON.stringify({ output: 'tök2' }), formHeaders);
    const done = await http('POST', t.done(id, true), JSON.stringify({ output: ['tok1', 'tök2'] }), formHeaders);
    expect(done.status).toBe(200);
    // A duplicate after a 5xx retry changes nothing.
    expect((await http('POST', t.done(id, true), JSON.stringify({ output: 'dup' }), formHeaders)).status).toBe(200);

    const stream = await http('POST', `${server.baseUrl}/v2/echo/stream/${id}`, undefined, client);
    expect(stream.json).toMatchObject({ status: 'COMPLETED', stream: [{ output: 'tok1' }, { output: 'tök2' }] });
    const final = await http('GET', `${server.baseUrl}/v2/echo/status/${id}`, undefined, client);
    expect(final.json).toMatchObject({ status: 'COMPLETED', output: ['tok1', 'tök2'] });
  });

  it('receives a job-stop for a cancelled job, and a take answer 204 after the hold', async () => {
    const t = templates(server.baseUrl, 'pod-2');
    const run = await http('POST', `${server.baseUrl}/v2/echo/run`, { input: 1 }, client);
    const take = await http('GET', t.take, undefined, workerHeaders);
    const stop = http('GET', t.stop, undefined, workerHeaders);
    await http('POST', `${server.baseUrl}/v2/echo/cancel/${take.json.id}`, undefined, client);
    expect((await stop).json).toEqual({ jobsToStop: [run.json.id] });
    expect((await http('GET', t.take, undefined, workerHeaders)).status).toBe(204);
  });

  it('refuses a client key on worker routes and a worker key on client routes', async () => {
    const t = templates(server.baseUrl, 'pod-3');
    expect((await http('GET', t.ping([]), undefined, { authorization: CLIENT_KEY })).status).toBe(401);
    expect(
      (await http('GET', `${server.baseUrl}/v2/echo/health`, undefined, { authorization: WORKER_KEY })).status,
    ).toBe(401);
  });
});

describe('durability', () => {
  it('keeps every job whose /run answered 200 across kill -9 and a restart', async () => {
    const dir = server.dir;
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push((await http('POST', `${server.baseUrl}/v2/echo/run`, { input: { i } }, client)).json.id);
    }
    await server.kill();
    server = await startServerProcess({ config, dir });
    for (const id of ids) {
      const res = await http('GET', `${server.baseUrl}/v2/echo/status/${id}`, undefined, client);
      expect(res.json.status, id).toBe('IN_QUEUE');
    }
    const t = templates(server.baseUrl, 'pod-4');
    const first = await http('GET', t.take, undefined, workerHeaders);
    expect(first.json).toEqual({ id: ids[0], input: { i: 0 } });
  });
});
