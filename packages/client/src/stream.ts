// Iterates a job's stream items by long-polling `/stream` (spec §4.5): answers are concatenated in order,
// and the first terminal answer, which carries every remaining item, ends the iteration.
import { isTerminal } from '@sluice/protocol';
import type { Json, StatusObject, StreamObject } from '@sluice/protocol';
import { ClientErrorCode, SluiceClientError } from './errors.js';

/**
 * A job's stream items, each exactly as the worker posted it (normally `{ output }`), oldest first.
 * Single use: items are consumed on the server as they are delivered, so a second iteration would miss them.
 */
export interface JobStream extends AsyncIterable<Json> {
  /**
   * The job's terminal status object (without `stream`; with `output` for a non-streaming `COMPLETED` job).
   * Resolves as soon as the terminal answer arrives; rejects with the error that ended the iteration, or with
   * `ERR_CLIENT_ABORTED` if the loop was left early. Settles only once the stream is iterated.
   */
  readonly result: Promise<StatusObject>;
}

/** One `/stream` long-poll. */
export type StreamPoll = () => Promise<StreamObject>;

class PollingJobStream implements JobStream {
  readonly result: Promise<StatusObject>;
  #poll: StreamPoll;
  #started = false;
  #settled = false;
  #resolve!: (status: StatusObject) => void;
  #reject!: (error: unknown) => void;

  constructor(poll: StreamPoll) {
    this.#poll = poll;
    this.result = new Promise<StatusObject>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers who only iterate must not get an unhandled rejection; callers who await `result` still see it.
    this.result.catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<Json> {
    if (this.#started) throw new TypeError('a JobStream can be iterated only once');
    this.#started = true;
    return this.#items();
  }

  #settle(outcome: { status: StatusObject } | { error: unknown }): void {
    if (this.#settled) return;
    this.#settled = true;
    if ('status' in outcome) this.#resolve(outcome.status);
    else this.#reject(outcome.error);
  }

  async *#items(): AsyncGenerator<Json, void, undefined> {
    try {
      for (;;) {
        const answer = await this.#poll();
        if (isTerminal(answer.status)) {
          const { stream: items, ...status } = answer;
          this.#settle({ status });
          yield* items;
          return;
        }
        yield* answer.stream;
      }
    } catch (error) {
      this.#settle({ error });
      throw error;
    } finally {
      // Reached without settling only when the consumer left the loop (break, return, throw) early.
      this.#settle({
        error: new SluiceClientError({
          message: 'the stream was left before the job reached a terminal status',
          status: 0,
          code: ClientErrorCode.ABORTED,
        }),
      });
    }
  }
}

export function createJobStream(poll: StreamPoll): JobStream {
  return new PollingJobStream(poll);
}
