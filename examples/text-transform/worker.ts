// Runs the text-transform handler as a worker program: `node examples/dist/text-transform/worker.js`
// (what examples/sluice.yaml launches), or locally with `--test_input '{"input": {"text": "hi"}}'`.
import { start } from '@sluice/worker';
import handler from './handler.js';

await start({ handler });
