// Example endpoint `token-stream`: an async generator, like an LLM emitting tokens. Each yield becomes
// one `/stream` item; `returnAggregateStream` makes `/status` show the whole list at the end.
// Input: {"text": "...", "delayMs"?: number}
import { start, type Handler } from '@sluice/worker';

interface Input {
  text?: unknown;
  delayMs?: unknown;
}

export const handler: Handler<Input> = async function* (job, ctx) {
  const { text, delayMs = 50 } = job.input;
  if (typeof text !== 'string') throw new TypeError('input.text must be a string');
  for (const token of text.split(/(\s+)/).filter((t) => t.trim() !== '')) {
    if (ctx.signal.aborted) return;
    if (typeof delayMs === 'number' && delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    yield token;
  }
};

await start({ handler, returnAggregateStream: true, concurrency: 4 });
