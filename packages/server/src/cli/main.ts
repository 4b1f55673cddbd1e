#!/usr/bin/env node
// The `sluice` command line: `serve`, `worker`, and client commands (see docs/cli.md).
import { Command } from 'commander';
import { ConfigError } from '../config/load-config.js';
import { serve } from './serve-command.js';

const program = new Command()
  .name('sluice')
  .description('Self-hosted serverless job platform, wire-compatible with RunPod Serverless')
  .showHelpAfterError();

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
  .option('--insecure', 'allow a non-loopback listener without API keys (development only)')
  .action(serve);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`sluice: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`sluice: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
