// Example endpoint `text-transform`: a plain async handler that reports progress as it works.
// Input: {"text": "...", "ops"?: ["upper", "lower", "reverse", "title"], "delayMs"?: number, "fail"?: string}
// Run it with `sluice worker examples/text-transform/handler.ts`, or through worker.ts (which calls start()).
import type { Handler } from '@sluice/worker';

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

const handler: Handler<Input> = async (job, ctx) => {
  const { text, ops = ['upper'], delayMs = 0, fail } = job.input;
  if (typeof text !== 'string') throw new TypeError('input.text must be a string');
  if (!Array.isArray(ops) || !ops.every((op): op is string => typeof op === 'string' && op in OPS)) {
    return { error: `input.ops must be a list of: ${Object.keys(OPS).join(', ')}` };
  }
  if (fail) throw new Error(typeof fail === 'string' ? fail : JSON.stringify(fail));
  let result = text;
  for (const [i, op] of ops.entries()) {
    // ctx.sleep ends early (with an AbortError) when the job is cancelled or times out.
    if (typeof delayMs === 'number' && delayMs > 0) await ctx.sleep(delayMs);
    result = OPS[op]!(result);
    await ctx.progress({ step: i + 1, of: ops.length, op, partial: result });
  }
  return { text: result, words: result.split(/\s+/).filter(Boolean).length };
};

export default handler;
