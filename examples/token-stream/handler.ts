// Example endpoint `token-stream`: an async generator, like an LLM emitting tokens. Each yield becomes
// one `/stream` item; with `returnAggregateStream` `/status` shows the whole list at the end.
// Input: {"text": "...", "delayMs"?: number}
// Run it with `sluice worker examples/token-stream/handler.ts --return-aggregate-stream --concurrency 4`,
// or through worker.ts (which calls start() with those options).
import type { Handler } from '@sluice/worker';

interface Input {
  text?: unknown;
  delayMs?: unknown;
}

const handler: Handler<Input> = async function* (job, ctx) {
  const { text, delayMs = 50 } = job.input;
  if (typeof text !== 'string') throw new TypeError('input.text must be a string');
  for (const token of text.split(/\s+/).filter(Boolean)) {
    if (typeof delayMs === 'number' && delayMs > 0) await ctx.sleep(delayMs);
    yield token;
  }
};

export default handler;
