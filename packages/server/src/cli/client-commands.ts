// The client commands of `sluice` (run, status, stream, cancel, retry, health, purge): thin wrappers
// over @sluice/client that print JSON for scripts or text and a live view for people.
import type { Policy, StatusObject, SubmitOptions } from '@sluice/client';
import { Option, type Command } from 'commander';
import { addClientOptions, openSession, type ClientFlags, type Session } from './client-session.js';
import { ExitCode } from './exit-codes.js';
import { parseMilliseconds, readJobInput, requireNonEmpty } from './job-input.js';
import { describeChange, describeJobError, formatHealth, formatPurge, formatStatus, jsonLine } from './output.js';
import { watchJob } from './watch-job.js';

const WAIT_EXIT_HELP = `
Exit codes: 0 success; 1 request failed or, when waiting, the job ended FAILED, TIMED_OUT or CANCELLED
(the final status is still printed on stdout); 2 bad arguments (nothing was sent).`;

interface RunFlags extends ClientFlags {
  inputFile?: string;
  wait?: boolean;
  webhook?: string;
  executionTimeout?: number;
  ttl?: number;
  lowPriority?: boolean;
  idempotencyKey?: string;
}

interface WaitFlags extends ClientFlags {
  wait?: boolean;
}

/** A waited job that ended other than COMPLETED is told on stderr and makes the command exit 1. */
function reportEnd(final: StatusObject): void {
  if (final.status === 'COMPLETED') return;
  const why = final.error === undefined ? '' : `: ${describeJobError(final.error).summary}`;
  process.stderr.write(`sluice: job ${final.id} ended ${final.status}${why}\n`);
  process.exitCode = ExitCode.FAILURE;
}

/** Prints a waited job's terminal status object, then reports how it ended. */
function finish(session: Session, final: StatusObject): void {
  session.print(final, formatStatus);
  reportEnd(final);
}

function submitOptions(flags: RunFlags): SubmitOptions {
  const policy: Policy = {};
  if (flags.executionTimeout !== undefined) policy.executionTimeout = flags.executionTimeout;
  if (flags.ttl !== undefined) policy.ttl = flags.ttl;
  if (flags.lowPriority) policy.lowPriority = true;
  return {
    ...(flags.webhook === undefined ? {} : { webhook: flags.webhook }),
    ...(Object.keys(policy).length === 0 ? {} : { policy }),
    ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
  };
}

async function run(endpointId: string, inputJson: string | undefined, flags: RunFlags): Promise<void> {
  const input = await readJobInput(inputJson, flags.inputFile);
  const session = openSession(endpointId, flags);
  const { endpoint } = session;
  if (!flags.wait) {
    session.print(await endpoint.run(input, submitOptions(flags)), formatStatus);
    return;
  }
  if (session.mode === 'json') {
    // One document: runsync holds server-side (then status-sync), and the stream stays unread for others.
    finish(session, await endpoint.runSync(input, submitOptions(flags)));
    return;
  }
  const queued = await endpoint.run(input, submitOptions(flags));
  session.write(describeChange(undefined, queued) ?? '');
  finish(session, await watchJob(endpoint, queued.id, { stream: true, write: session.write, shown: queued }));
}

async function status(endpointId: string, jobId: string, flags: WaitFlags): Promise<void> {
  const session = openSession(endpointId, flags);
  const { endpoint } = session;
  if (!flags.wait) session.print(await endpoint.status(jobId), formatStatus);
  else if (session.mode === 'json') finish(session, await endpoint.waitFor(jobId));
  else finish(session, await watchJob(endpoint, jobId, { stream: false, write: session.write }));
}

async function stream(endpointId: string, jobId: string, flags: ClientFlags): Promise<void> {
  const session = openSession(endpointId, flags);
  const { endpoint } = session;
  if (session.mode === 'human') {
    finish(session, await watchJob(endpoint, jobId, { stream: true, write: session.write }));
    return;
  }
  const items = endpoint.stream(jobId);
  for await (const item of items) session.write(jsonLine(item));
  reportEnd(await items.result);
}

function endpointArgument(command: Command): Command {
  return command.argument('<endpoint>', 'endpoint id', requireNonEmpty('endpoint'));
}

function jobCommand(program: Command, name: string, description: string): Command {
  const command = endpointArgument(program.command(name).description(description));
  return addClientOptions(command.argument('<id>', 'job id', requireNonEmpty('job id')));
}

export function registerClientCommands(program: Command): void {
  addClientOptions(
    endpointArgument(program.command('run').description('submit a job (POST /run), or run it to the end with --wait'))
      .argument('[input-json]', 'the job input as JSON, e.g. \'{"prompt": "hi"}\'')
      .option('--input-file <file>', 'read the input JSON from a file (- for stdin)')
      .option('-w, --wait', 'wait for the end and print the final status; on a terminal, show progress and stream')
      .option('--webhook <url>', 'URL POSTed the status object when the job ends')
      .addOption(new Option('--execution-timeout <ms>', 'policy.executionTimeout').argParser(parseMilliseconds))
      .addOption(
        new Option('--ttl <ms>', 'policy.ttl: lifetime of the job from submission').argParser(parseMilliseconds),
      )
      .option('--low-priority', 'policy.lowPriority: never makes the autoscaler start a worker')
      .option('--idempotency-key <key>', 'a resubmission with the same key returns the first job'),
  )
    .addHelpText('after', WAIT_EXIT_HELP)
    .action(run);

  jobCommand(program, 'status', "print a job's status object")
    .option('-w, --wait', 'wait until the job has ended; on a terminal, show progress meanwhile')
    .addHelpText('after', WAIT_EXIT_HELP)
    .action(status);

  jobCommand(program, 'stream', "print a job's stream items as they arrive, until it ends (consumes them)")
    .addHelpText(
      'after',
      `
JSON output is one line per stream item, exactly as the worker posted it (normally {"output": ...}).
On a terminal, progress and the final status are shown too.

Exit codes: 0 the job ended COMPLETED; 1 a request failed or the job ended FAILED, TIMED_OUT or CANCELLED;
2 bad arguments.`,
    )
    .action(stream);

  jobCommand(program, 'cancel', 'cancel a queued or running job (an ended job is left as it is)').action(
    async (endpointId: string, jobId: string, flags: ClientFlags) => {
      const session = openSession(endpointId, flags);
      session.print(await session.endpoint.cancel(jobId), formatStatus);
    },
  );

  jobCommand(program, 'retry', 'requeue a FAILED or TIMED_OUT job under the same id').action(
    async (endpointId: string, jobId: string, flags: ClientFlags) => {
      const session = openSession(endpointId, flags);
      session.print(await session.endpoint.retry(jobId), formatStatus);
    },
  );

  addClientOptions(
    endpointArgument(program.command('health').description("print an endpoint's job and worker counts")),
  ).action(async (endpointId: string, flags: ClientFlags) => {
    const session = openSession(endpointId, flags);
    session.print(await session.endpoint.health(), formatHealth);
  });

  addClientOptions(
    endpointArgument(
      program.command('purge').description('cancel every queued job of an endpoint (running jobs go on)'),
    ),
  ).action(async (endpointId: string, flags: ClientFlags) => {
    const session = openSession(endpointId, flags);
    session.print(await session.endpoint.purgeQueue(), formatPurge);
  });
}
