// Example endpoint `text-transform`: a plain async handler that reports progress as it works.
// Input: {"text": "...", "ops"?: ["upper", "reverse", "words"], "delayMs"?: number}
import { start, type Handler } from '@sluice/worker';

interface Input {
  text?: unknown;
  ops?: unknown;
  delayMs?: unknown;
  fail?: unknown;
}

const OPS: Record<string, (text: string) => string> = {
  upper: (text) => text.toUpperCase(),
  lower: (text) => text.toLowerCase(),
  reverse: (text) => [...text].reverse().join(''),
  title: (text) => text.replace(/\b\w/g, (c) => c.toUpperCase()),
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    });
  });
}

export const handler: Handler<Input> = async (job, ctx) => {
  const { text, ops = ['upper'], delayMs = 0, fail } = job.input;
  if (typeof text !== 'string') throw new TypeError('input.text must be a string');
  if (!Array.isArray(ops) || !ops.every((op): op is string => typeof op === 'string' && op in OPS)) {
    return { error: `input.ops must be a list of: ${Object.keys(OPS).join(', ')}` };
  }
  if (fail) throw new Error(typeof fail === 'string' ? fail : JSON.stringify(fail));
  let result = text;
  for (const [i, op] of ops.entries()) {
    if (typeof delayMs === 'number' && delayMs > 0) await sleep(delayMs, ctx.signal);
    result = OPS[op]!(result);
    await ctx.progress({ step: i + 1, of: ops.length, op, partial: result });
  }
  return { text: result, words: result.split(/\s+/).filter(Boolean).length };
};

await start({ handler });
