// What every client command shares: the `--url`, `--api-key`, `--json` and `--pretty` options, and the
// session they open (an endpoint client, the output mode, and the writer for stdout).
import { createClient, type EndpointClient } from '@sluice/client';
import { Option, type Command } from 'commander';
import { UsageError } from './exit-codes.js';
import { jsonLine, resolveOutputMode, type OutputMode } from './output.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface ClientFlags {
  url: string;
  apiKey?: string;
  json?: boolean;
  pretty?: boolean;
}

export function addClientOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <base>', 'server base URL').env('SLUICE_URL').default(DEFAULT_URL))
    .addOption(new Option('--api-key <key>', 'client API key, sent as a Bearer token').env('SLUICE_API_KEY'))
    .option('--json', 'print JSON: one document, or one line per stream item (default when stdout is not a terminal)')
    .option('--pretty', 'print text for people (default when stdout is a terminal)');
}

export interface Session {
  endpoint: EndpointClient;
  endpointId: string;
  /** `--url` and `--api-key`, for the calls the client SDK does not make (server-sent events). */
  url: string;
  apiKey?: string;
  mode: OutputMode;
  /** Writes to stdout. */
  write: (text: string) => void;
  /** Prints a result: as one JSON line, or through `human` for people. */
  print: <T>(value: T, human: (value: T) => string) => void;
}

export function openSession(endpointId: string, flags: ClientFlags): Session {
  const mode = resolveOutputMode(flags, process.stdout.isTTY === true);
  let endpoint: EndpointClient;
  try {
    endpoint = createClient({ baseUrl: flags.url, apiKey: flags.apiKey }).endpoint(endpointId);
  } catch (error) {
    // createClient and endpoint() throw TypeErrors for a bad --url or an empty endpoint id.
    throw error instanceof TypeError ? new UsageError(error.message.replace(/^baseUrl/, '--url')) : error;
  }
  const write = (text: string): void => {
    process.stdout.write(text);
  };
  return {
    endpoint,
    endpointId,
    url: flags.url,
    ...(flags.apiKey ? { apiKey: flags.apiKey } : {}),
    mode,
    write,
    print: (value, human) => write(mode === 'json' ? jsonLine(value) : human(value)),
  };
}
