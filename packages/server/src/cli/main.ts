#!/usr/bin/env node
// The `sluice` command line: `serve`, `worker`, and client commands (`sluice --help`; docs/configuration.md).
import { Command, CommanderError } from 'commander';
import { registerHistoryCommands } from './history-commands.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerClientCommands } from './client-commands.js';
import { describeFailure, ExitCode, UsageError } from './exit-codes.js';
import type { ServeFlags } from './serve-command.js';
import { registerWorkerCommand } from './worker-command.js';

const program = new Command()
  .name('sluice')
  .description('Self-hosted serverless job platform, wire-compatible with RunPod Serverless')
  .showHelpAfterError('(run with --help for usage)')
  // Commander's own usage errors are thrown (then exit 2) instead of exiting 1; they print as `sluice: ...`.
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'sluice: ')) })
  .addHelpText(
    'after',
    `
Client commands print JSON when stdout is not a terminal and text on a terminal (--json, --pretty force one).
Exit codes: 0 success; 1 a request failed, or a waited job ended FAILED, TIMED_OUT or CANCELLED; 2 usage.`,
  );

// `sluice stream ... | head -1` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(ExitCode.OK);
  throw error;
});

program
  .command('serve')
  .description('run the Sluice server (and the workers its config names)')
  .option('-c, --config <file>', 'config file, JSON or YAML (env SLUICE_CONFIG)')
  .option('--host <host>', 'listen address (env SLUICE_HOST)')
  .option('-p, --port <port>', 'listen port (env SLUICE_PORT)')
  .option('--store <kind>', 'sqlite or redis (env SLUICE_STORE)')
  .option('--sqlite-path <path>', 'SQLite file, or :memory: (env SLUICE_SQLITE_PATH)')
  .option('--redis-url <url>', 'Redis URL (env SLUICE_REDIS_URL)')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env SLUICE_LOG_LEVEL)')
  .option('--log-format <format>', 'auto (pretty on a terminal), pretty or json (env SLUICE_LOG_FORMAT)')
  .option('--insecure', 'allow a non-loopback listener without API keys (development only)')
  .action(async (flags: ServeFlags) => {
    // Loaded on use: client commands should not pay for Fastify, SQLite and the config schema at start-up.
    const [{ serve }, { ConfigError }] = await Promise.all([
      import('./serve-command.js'),
      import('../config/load-config.js'),
    ]);
    try {
      await serve(flags);
    } catch (error) {
      throw error instanceof ConfigError ? new UsageError(error.message) : error;
    }
  });

registerWorkerCommand(program);
registerClientCommands(program);
registerAdminCommands(program);
registerHistoryCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Already printed by commander; help and --version end here too, with code 0.
    process.exit(error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE);
  }
  const { code, message } = describeFailure(error);
  process.stderr.write(`sluice: ${message}\n`);
  process.exit(code);
});
