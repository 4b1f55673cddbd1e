// One launched worker process: spawns it, reads its output line by line (a worker's JSON line becomes a log
// entry at its own level, with its job id: worker-log-line.ts), keeps the tail of its stderr for operators
// (crash loops), and stops it with SIGTERM, then SIGKILL once the grace period is over.
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { parseWorkerLine, type ParsedLine } from './worker-log-line.js';

/** A line the worker wrote, read and classified. */
export interface WorkerLine extends ParsedLine {
  stream: 'stdout' | 'stderr';
}

/**
 * On Linux a launched worker gets SIGTERM when the server dies, however it dies (kill -9, OOM): setpriv
 * (util-linux) sets the parent-death signal and then execs the command, which keeps the pid, the pipes and the
 * environment. Without it a worker outlives a crashed server, polling a dead port and holding its GPU. Where
 * setpriv is missing (macOS, minimal images) workers are started directly and that protection is absent.
 */
const SETPRIV =
  process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) : undefined;

/** Lines of stderr kept per worker. */
export const STDERR_TAIL_LINES = 50;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerCommand {
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
}

/** How long an exited worker's output may keep draining before its pipes are closed. */
const OUTPUT_DRAIN_MS = 1000;

export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private killTimer: NodeJS.Timeout | undefined;
  /** Settles once the process is gone and its output closed (or it never started). */
  readonly exited: Promise<ProcessExit>;

  /** `log` gets every line at its level with `stream` and `jobId` fields; `onLine` gets it too (log keeping). */
  constructor(command: WorkerCommand, log: Logger, onLine?: (line: WorkerLine) => void) {
    const [file, args] = SETPRIV
      ? [SETPRIV, ['--pdeathsig', 'SIGTERM', '--', command.command, ...command.args]]
      : [command.command, command.args];
    this.child = spawn(file, args, {
      cwd: command.cwd,
      env: command.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const [name, stream] of [
      ['stdout', this.child.stdout],
      ['stderr', this.child.stderr],
    ] as const) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (name === 'stderr') this.keep(line);
        const parsed = parseWorkerLine(line, name);
        log[parsed.level](
          { stream: name, ...(parsed.jobId === undefined ? {} : { jobId: parsed.jobId }) },
          parsed.message,
        );
        onLine?.({ ...parsed, stream: name });
      });
    }
    this.exited = new Promise<ProcessExit>((resolve) => {
      let settled = false;
      const settle = (exit: ProcessExit) => {
        if (settled) return;
        settled = true;
        clearTimeout(this.killTimer);
        resolve(exit);
      };
      this.child.once('error', (err) => {
        log.error({ err }, 'worker failed to start');
        this.keep(`sluice: cannot start worker: ${err.message}`);
        // A process that never started emits no 'close' on some platforms.
        if (this.child.pid === undefined) settle({ code: null, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        // Its last lines may still be in the pipes, but a child it left behind can hold them open for ever:
        // the worker counts as gone at once, after at most OUTPUT_DRAIN_MS of output.
        const drained = setTimeout(() => {
          this.child.stdout?.destroy();
          this.child.stderr?.destroy();
          settle({ code, signal });
        }, OUTPUT_DRAIN_MS);
        this.child.once('close', () => {
          clearTimeout(drained);
          settle({ code, signal });
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last STDERR_TAIL_LINES lines the process wrote to stderr, oldest first. */
  stderrTail(): string[] {
    return [...this.tail];
  }

  get alive(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM now (the worker drains its jobs), SIGKILL after `graceMs` if it is still there. Idempotent. */
  terminate(graceMs: number): Promise<ProcessExit> {
    if (this.alive && this.killTimer === undefined) {
      this.child.kill('SIGTERM');
      this.killTimer = setTimeout(() => {
        if (this.alive) this.child.kill('SIGKILL');
      }, graceMs);
    }
    return this.exited;
  }

  private keep(line: string): void {
    this.tail.push(line);
    if (this.tail.length > STDERR_TAIL_LINES) this.tail.shift();
  }
}
