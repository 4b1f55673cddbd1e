// A no-op @sluice/worker process, launched by the Sluice server from the endpoint's worker config. Its output
// is the handler's start time on the machine's monotonic clock, so the dispatch scenario can compare it with
// the moment the client saw the /run answer. BENCH_CONCURRENCY sets the SDK's concurrency (and batch take).
import { start } from '@sluice/worker';
import { monoMs } from '../lib/stats.js';

await start({
  handler: () => ({ t: monoMs() }),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? '1'),
});
