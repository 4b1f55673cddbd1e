// followLog: a log the store marks ended ends the follow at once; a finished log without the mark ends after a
// quiet period. The clock is a variable and turns come from notifies, so no real time passes.
import { describe, expect, it } from 'vitest';
import type { LogRead, StoredLogEntry } from '../store/job-log-store.js';
import { followLog, type LogEvent, type LogSource } from './log-follow.js';
import { Wakeups } from './wakeups.js';

const KEY = 'l:echo:job:j1';
const entry = (seq: number): StoredLogEntry => ({ seq, time: 0, level: 'info', workerId: 'w1', message: `m${seq}` });

function fakeLog() {
  const state = { lines: [] as StoredLogEntry[], ended: false, finished: false };
  const source: LogSource = {
    read: (after): Promise<LogRead> =>
      Promise.resolve({ lines: state.lines.filter((l) => l.seq > after), truncated: false, ended: state.ended }),
    key: KEY,
    finished: () => Promise.resolve(state.finished),
    flushMs: 1500,
  };
  return { state, source };
}

/** The next event, with a notify so that a parked follow takes another turn. */
async function next(events: AsyncGenerator<LogEvent>, wakeups: Wakeups): Promise<IteratorResult<LogEvent>> {
  const pending = events.next();
  wakeups.notifyAll(KEY);
  return pending;
}

describe('followLog', () => {
  it('ends at once when the log is marked ended, with the lines stored before the mark', async () => {
    const wakeups = new Wakeups();
    const { state, source } = fakeLog();
    const time = 1000;
    const events = followLog(source, wakeups, () => time, new AbortController().signal);
    state.lines.push(entry(1));
    expect(await next(events, wakeups)).toEqual({ done: false, value: { kind: 'line', line: entry(1) } });
    state.lines.push(entry(2));
    state.finished = true;
    state.ended = true;
    expect(await next(events, wakeups)).toEqual({ done: false, value: { kind: 'line', line: entry(2) } });
    // The clock has not moved: no quiet period was waited for.
    expect(await next(events, wakeups)).toEqual({ done: false, value: { kind: 'end', truncated: false } });
    expect((await events.next()).done).toBe(true);
  });

  it('without the mark, ends a finished log once no line came for flushMs', async () => {
    const wakeups = new Wakeups();
    const { state, source } = fakeLog();
    let time = 1000;
    let turns = 0;
    state.finished = true;
    // Every turn moves the clock half a second and asks for another turn, as a recheck would.
    const paced: LogSource = {
      ...source,
      finished: async (read) => {
        turns += 1;
        time += 500;
        setImmediate(() => wakeups.notifyAll(KEY));
        return source.finished(read);
      },
    };
    const events = followLog(paced, wakeups, () => time, new AbortController().signal);
    expect(await events.next()).toEqual({ done: false, value: { kind: 'end', truncated: false } });
    // Quiet from the first finished turn (1500) until 1500 ms later: four turns.
    expect(turns).toBe(4);
  });
});
