import { describe, expect, it } from 'vitest';
import { SluiceError } from '@sluice/protocol';
import { OutageLog, type FailureLogger } from './outage-log.js';

function recorder(): FailureLogger & { lines: [string, string][] } {
  const lines: [string, string][] = [];
  return {
    lines,
    error: (_fields, message) => lines.push(['error', message]),
    warn: (_fields, message) => lines.push(['warn', message]),
    info: (_fields, message) => lines.push(['info', message]),
  };
}

const down = () => new SluiceError('ERR_UNAVAILABLE');

describe('OutageLog', () => {
  it('logs an outage once at warn however often it fails, and its end once at info', () => {
    let now = 0;
    const log = recorder();
    const outages = new OutageLog(log, () => now, 30_000);
    for (let i = 0; i < 100; i++) {
      now += 100;
      outages.failed(down(), 'reaper tick failed');
    }
    expect(log.lines.map(([level]) => level)).toEqual(['warn']);
    outages.recovered();
    outages.recovered();
    expect(log.lines.map(([level]) => level)).toEqual(['warn', 'info']);
    outages.failed(down(), 'again');
    expect(log.lines.map(([level]) => level)).toEqual(['warn', 'info', 'warn']);
  });

  it('treats a failure after a quiet spell as a new outage', () => {
    let now = 0;
    const log = recorder();
    const outages = new OutageLog(log, () => now, 30_000);
    outages.failed(down(), 'x');
    now += 10_000;
    outages.failed(down(), 'x');
    now += 31_000;
    outages.failed(down(), 'x');
    expect(log.lines.map(([level]) => level)).toEqual(['warn', 'info', 'warn']);
  });

  it('logs every other failure at error: those are bugs', () => {
    const log = recorder();
    const outages = new OutageLog(log, () => 0);
    outages.failed(new Error('boom'), 'a');
    outages.failed(new SluiceError('ERR_INTERNAL', 'internal error'), 'b');
    expect(log.lines).toEqual([
      ['error', 'a'],
      ['error', 'b'],
    ]);
  });
});
