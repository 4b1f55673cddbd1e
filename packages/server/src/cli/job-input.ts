// Parsing of command-line values for client commands: the job input (inline JSON, a file, or stdin)
// and millisecond flags. Mistakes become UsageErrors (exit 2) before anything is sent.
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './exit-codes.js';

export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readText(path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * The job's `input` value, from the `[input-json]` argument or `--input-file <path>` (`-` is stdin).
 * Exactly one is needed; `null` is refused here, as the server would (spec §4.1).
 */
export async function readJobInput(inline: string | undefined, file: string | undefined): Promise<unknown> {
  if (inline !== undefined && file !== undefined) {
    throw new UsageError('give the input either as an argument or with --input-file, not both');
  }
  if (inline === undefined && file === undefined) {
    throw new UsageError('no input: give it as JSON, e.g. sluice run <endpoint> \'{"prompt": "hi"}\', or --input-file');
  }
  const input =
    file === undefined ? parseJson(inline ?? '', 'the input argument') : parseJson(await readText(file), file);
  if (input === null) throw new UsageError('the input must not be null; use {} for an empty input');
  return input;
}

function wholeNumber(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected ${what}.`);
    return n;
  };
}

/** Commander argument parser for whole milliseconds ≥ 1 (the server checks each flag's exact range). */
export const parseMilliseconds = wholeNumber('a whole number of milliseconds');

/** Commander argument parser for a count ≥ 1. */
export const parsePositiveInteger = wholeNumber('a whole number of at least 1');

/** Commander argument parser that refuses an empty string (such as an unset shell variable). */
export function requireNonEmpty(what: string): (value: string) => string {
  return (value) => {
    if (value === '') throw new InvalidArgumentError(`the ${what} must not be empty.`);
    return value;
  };
}
