// The worker side of the streaming baseline: the same items at the same pace as sluice-stream-worker.js, each
// POSTed to the bare relay (bench/lib/bare-relay-server.js) over node:http keep-alive and awaited before the
// next, as @sluice/worker awaits each job-stream post. BENCH_RELAY_URL is the relay, BENCH_JOBS the
// comma-separated job ids this process runs at once, BENCH_ITEMS and BENCH_INTERVAL_MS the items.
import http from 'node:http';
import { tokenItems } from './token-items.js';

const env = process.env;
const relay = new URL(env.BENCH_RELAY_URL);
const agent = new http.Agent({ keepAlive: true });
const spec = { count: Number(env.BENCH_ITEMS), intervalMs: Number(env.BENCH_INTERVAL_MS) };

function post(path, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      {
        host: relay.hostname,
        port: relay.port,
        method: 'POST',
        path,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`relay answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function runJob(id) {
  for await (const item of tokenItems(spec)) await post(`/item/${id}`, { output: item });
  await post(`/done/${id}`, {});
}

await Promise.all(env.BENCH_JOBS.split(',').map(runJob));
agent.destroy();
