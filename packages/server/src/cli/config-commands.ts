// `sluice config check <file>` validates a config file as `sluice serve` would, without serving;
// `sluice config schema` prints the file's JSON Schema for editors (docs/configuration.md).
import type { Command } from 'commander';
import { ExitCode, UsageError } from './exit-codes.js';

async function check(file: string): Promise<void> {
  const { ConfigError, loadConfigFile, overridesFromEnv } = await import('../config/load-config.js');
  try {
    // The SLUICE_* variables apply here too: they are part of what `sluice serve` would run with.
    const config = loadConfigFile(file, overridesFromEnv(process.env));
    const ids = Object.keys(config.endpoints);
    const endpoints = ids.length === 0 ? 'no endpoints' : `${ids.length} endpoint(s): ${ids.join(', ')}`;
    process.stdout.write(`${file} is valid: ${endpoints}, store ${config.store.kind}\n`);
  } catch (error) {
    throw error instanceof ConfigError ? new UsageError(error.message) : error;
  }
}

async function schema(): Promise<void> {
  const { configJsonSchemaText } = await import('../config/json-schema.js');
  process.stdout.write(configJsonSchemaText());
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('check a config file, or print its JSON Schema');
  config
    .command('check')
    .description('validate a config file (and the SLUICE_* variables) without serving; exit 0 if valid, 2 if not')
    .argument('<file>', 'config file, JSON or YAML')
    .action(check);
  config
    .command('schema')
    .description('print the JSON Schema of the config file (for editors; see docs/configuration.md)')
    .action(schema);
  config.addHelpText('after', `\nExit codes: ${ExitCode.OK} valid; ${ExitCode.USAGE} invalid or unreadable.`);
}
