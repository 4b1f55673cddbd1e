// The server's logger: human-readable lines (pino-pretty: time, coloured level, message, key fields) for a person
// at a terminal, JSON lines for log shippers when the output is piped or `log.format: json`.
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Config } from '../config/config-schema.js';

/** Whether `format` means human-readable output on `out`. */
export function wantsPretty(format: Config['log']['format'], out: { isTTY?: boolean }): boolean {
  return format === 'pretty' || (format === 'auto' && out.isTTY === true);
}

export function createLogger(options: Config['log'], out: NodeJS.WritableStream & { isTTY?: boolean }): Logger {
  if (!wantsPretty(options.format, out)) return pino({ level: options.level }, out);
  const pretty = pinoPretty({
    destination: out,
    colorize: out.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    // Synchronous like pino's default destination: lines are not lost when the process exits.
    sync: true,
  });
  return pino({ level: options.level }, pretty);
}
