// A generator @sluice/worker process for the streaming scenario, launched by the Sluice server from the
// endpoint's worker config: each job yields `input.count` items `input.intervalMs` apart (token-items.js).
// BENCH_CONCURRENCY sets how many jobs it runs at once.
import { start } from '@sluice/worker';
import { tokenItems } from './token-items.js';

await start({
  handler: (job) => tokenItems(job.input),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? '1'),
});
