// A minimal worker without the SDK, for attribution only: BENCH_CONCURRENCY loops, each long-polling job-take
// and posting job-done over node:http keep-alive, with the launcher's environment (spec §7.1). No pings, no
// job-stop, no retries: it shows what the server alone costs a round trip.
import http from 'node:http';
import { monoMs } from '../lib/stats.js';

const env = process.env;
const workerId = env.RUNPOD_POD_ID;
const agent = new http.Agent({ keepAlive: true });
const takeUrl = env.RUNPOD_WEBHOOK_GET_JOB.split('$ID').join(workerId);
const doneUrl = (jobId) =>
  env.RUNPOD_WEBHOOK_POST_OUTPUT.split('$RUNPOD_POD_ID').join(workerId).split('$ID').join(jobId);
let stopping = false;

function send(method, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { authorization: env.RUNPOD_AI_API_KEY } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) req.setHeader('content-type', 'application/json');
    req.end(body);
  });
}

async function loop() {
  while (!stopping) {
    const res = await send('GET', takeUrl).catch(() => ({ status: 0 }));
    if (res.status !== 200) {
      if (res.status !== 204) await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const job = JSON.parse(res.text);
    const output = { t: monoMs() };
    await send('POST', `${doneUrl(job.id)}&isStream=false`, JSON.stringify({ output })).catch(() => {});
  }
}

process.once('SIGTERM', () => {
  stopping = true;
  agent.destroy();
  process.exit(0);
});
await Promise.all(Array.from({ length: Number(env.BENCH_CONCURRENCY ?? '1') }, loop));
