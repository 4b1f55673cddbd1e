// Loads the handler module of `sluice worker`: JavaScript through import(), TypeScript through tsx's
// scoped loader (no build step, no second process), then picks the handler among its exports.
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Handler } from '@sluice/worker';
import type * as TsxApi from 'tsx/esm/api';
import { UsageError } from './exit-codes.js';

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

function member(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * The `default` export if it is a function, else a function exported as `handler`. A CommonJS module
 * (a `.ts` file outside a `"type": "module"` package is compiled to one) arrives with its exports under
 * `default`, so the same two names are looked up there too.
 */
export function pickHandler(module: unknown): Handler | undefined {
  const exports = member(module, 'default');
  const candidates = [exports, member(module, 'handler'), member(exports, 'default'), member(exports, 'handler')];
  return candidates.find((candidate): candidate is Handler => typeof candidate === 'function');
}

/**
 * A module that calls start() itself when imported (like the repo's examples, meant for `node worker.js`)
 * fails here with start()'s complaint about RUNPOD_WEBHOOK_GET_JOB, which would mislead: say what happened.
 */
function selfStartHint(file: string, error: unknown): unknown {
  if (!(error instanceof Error) || !error.message.includes('RUNPOD_WEBHOOK_GET_JOB')) return error;
  // start()'s own message names runpod-python's --test_input; under `sluice worker` the flags are ours.
  return new UsageError(
    `${file} calls start() itself when it is imported, and with no server to take jobs from that failed.\n` +
      '`sluice worker` calls start() with the exported handler: export the handler from a module that does not ' +
      'call start() (as examples/*/handler.ts do), then `sluice worker <handler> --test-input \'{"input": {...}}\'` ' +
      'runs it once, or `--endpoint <id>` serves jobs.',
  );
}

/** The resolution failure of `tsx` itself, as opposed to one inside the handler's own imports. */
export function isTsxMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && /['"]tsx['"]/.test(message);
}

export const TSX_MISSING =
  'needs tsx to load TypeScript, and tsx is not installed: run `npm install --save-dev tsx` in your project, ' +
  'or compile the handler and pass the .js file';

async function importTypeScript(file: string, url: string): Promise<unknown> {
  let api: typeof TsxApi;
  try {
    // An optional peer of @sluice/server: only TypeScript handlers need it.
    api = await import('tsx/esm/api');
  } catch (error) {
    if (isTsxMissing(error)) throw new UsageError(`${file} ${TSX_MISSING}`);
    throw error;
  }
  // tsImport registers tsx for this one import graph only; the rest of the process is untouched.
  return (await api.tsImport(url, import.meta.url)) as unknown;
}

export async function loadHandler(file: string, cwd = process.cwd()): Promise<Handler> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`handler file not found: ${path}`);
  const url = pathToFileURL(path).href;
  let module: unknown;
  try {
    module = TYPESCRIPT_EXTENSIONS.has(extname(path))
      ? await importTypeScript(file, url)
      : ((await import(url)) as unknown);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw selfStartHint(file, error);
  }
  const handler = pickHandler(module);
  if (handler === undefined) {
    throw new UsageError(`${file} exports no handler: export a default function, or a function named handler`);
  }
  return handler;
}
