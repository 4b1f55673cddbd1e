// Runs the token-stream handler as a worker program: `node examples/dist/token-stream/worker.js`
// (what examples/sluice.yaml launches), or locally with `--test_input '{"input": {"text": "a b"}}'`.
import { start } from '@sluice/worker';
import handler from './handler.js';

await start({ handler, returnAggregateStream: true, concurrency: 4 });
