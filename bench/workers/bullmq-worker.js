// A no-op BullMQ worker process for the end-to-end comparison: BENCH_QUEUE, BENCH_PREFIX, BENCH_CONCURRENCY
// and BENCH_REDIS_URL select what it serves. Prints `ready` once connected; SIGTERM closes it.
import { Worker } from 'bullmq';

const url = new URL(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
const worker = new Worker(process.env.BENCH_QUEUE, async () => ({ ok: true }), {
  connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null },
  prefix: process.env.BENCH_PREFIX,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? '1'),
});
worker.on('error', (err) => process.stderr.write(`bullmq worker error: ${err.message}\n`));
await worker.waitUntilReady();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  worker.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
