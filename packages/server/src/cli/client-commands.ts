// The client commands of `sluice` (run, status, stream, cancel, retry, health, purge): thin wrappers
// over @sluice/client that print JSON for scripts or text and a live view for people.
import type { Json, Policy, StatusObject, SubmitOptions } from '@sluice/client';
import { Option, type Command } from 'commander';
import { addClientOptions, openSession, type ClientFlags, type Session } from './client-session.js';
import { ExitCode } from './exit-codes.js';
import { parseMilliseconds, readJobInput, requireNonEmpty } from './job-input.js';
import { describeJobError, formatHealth, formatPurge, formatStatus, jsonLine } from './output.js';
import { readEventStream } from './event-stream-reader.js';
import { describeUpdate, watchJob, withoutEmptyAggregate } from './watch-job.js';

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
  follow?: boolean;
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
    finish(session, await withStream(session, await endpoint.runSync(input, submitOptions(flags))));
    return;
  }
  const queued = await endpoint.run(input, submitOptions(flags));
  session.write(describeUpdate(undefined, queued) ?? '');
  await watchAndFinish(session, queued.id, true, queued);
}

/** Follows the job live (server-sent events), then prints its end. */
async function watchAndFinish(session: Session, jobId: string, stream: boolean, shown?: StatusObject): Promise<void> {
  const { final, streamed } = await watchJob({
    url: session.url,
    ...(session.apiKey ? { apiKey: session.apiKey } : {}),
    endpointId: session.endpointId,
    jobId,
    stream,
    write: session.write,
    ...(shown ? { shown } : {}),
  });
  finish(session, withoutEmptyAggregate(final, streamed));
}

/**
 * A generator endpoint without an aggregate result ends with `"output": []`; in JSON its stream items, still
 * unread, are printed as `stream` instead.
 */
async function withStream(session: Session, final: StatusObject): Promise<StatusObject & { stream?: Json[] }> {
  if (final.status !== 'COMPLETED' || !Array.isArray(final.output) || final.output.length > 0) return final;
  const items: Json[] = [];
  const stream = session.endpoint.stream(final.id);
  for await (const item of stream) items.push(item);
  if (items.length === 0) return final;
  const { output: _output, ...rest } = final;
  return { ...rest, stream: items };
}

async function status(endpointId: string, jobId: string, flags: WaitFlags): Promise<void> {
  const session = openSession(endpointId, flags);
  const { endpoint } = session;
  if (flags.follow && session.mode === 'json') await printChanges(session, jobId);
  else if (!flags.wait && !flags.follow) session.print(await endpoint.status(jobId), formatStatus);
  else if (session.mode === 'json') finish(session, await endpoint.waitFor(jobId));
  else await watchAndFinish(session, jobId, false);
}

/** `status --follow --json`: one line per change and progress update, the terminal status last. */
async function printChanges(session: Session, jobId: string): Promise<void> {
  const base = session.url.replace(/\/*$/, '/');
  const path = `v2/${encodeURIComponent(session.endpointId)}/status-sync/${encodeURIComponent(jobId)}?wait=300000`;
  for (;;) {
    for await (const event of readEventStream({
      url: new URL(path, base),
      ...(session.apiKey ? { key: session.apiKey } : {}),
    })) {
      const status = JSON.parse(event.data) as StatusObject;
      session.write(jsonLine(status));
      if (event.event === 'done') return reportEnd(status);
    }
  }
}

async function stream(endpointId: string, jobId: string, flags: ClientFlags): Promise<void> {
  const session = openSession(endpointId, flags);
  const { endpoint } = session;
  if (session.mode === 'human') {
    await watchAndFinish(session, jobId, true);
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
    .option('-f, --follow', 'show every change and progress update until the job ends (JSON: one line each)')
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
