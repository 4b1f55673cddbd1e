// What a 401 from the server means for the command that got it: which key it sent (and from where), and
// where the server's keys are configured. Client and admin commands take different keys.
import { SluiceClientError } from '@sluice/client';
import type { Command } from 'commander';

interface KeyOption {
  attribute: 'apiKey' | 'adminKey';
  flag: string;
  env: string;
  kind: string;
  serverSide: string;
}

const KEY_OPTIONS: KeyOption[] = [
  {
    attribute: 'adminKey',
    flag: '--admin-key',
    env: 'SLUICE_ADMIN_KEY',
    kind: 'admin',
    serverSide: 'auth.keys with kind: admin, or SLUICE_ADMIN_KEYS',
  },
  {
    attribute: 'apiKey',
    flag: '--api-key',
    env: 'SLUICE_API_KEY',
    kind: 'client',
    serverSide: 'auth.keys with kind: client, or SLUICE_API_KEYS',
  },
];

/** The sentence to add to a 401 of `command`, or undefined for any other error or a command without keys. */
export function unauthorizedHint(error: unknown, command: Command | undefined): string | undefined {
  if (!(error instanceof SluiceClientError) || error.status !== 401 || command === undefined) return undefined;
  const options = command.options.map((option) => option.attributeName());
  const key = KEY_OPTIONS.find((candidate) => options.includes(candidate.attribute));
  if (key === undefined) return undefined;
  const where = `the server's ${key.kind} keys are configured in its ${key.serverSide} (docs/configuration.md)`;
  const source = command.getOptionValueSource(key.attribute);
  if (command.getOptionValue(key.attribute) === undefined) {
    return `no ${key.kind} key was sent: pass ${key.flag} <key> or set ${key.env}; ${where}`;
  }
  const from = source === 'env' ? key.env : key.flag;
  return `the server refused the ${key.kind} key from ${from}; ${where}`;
}
