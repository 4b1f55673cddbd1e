import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger, wantsPretty } from './create-logger.js';

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return Object.assign(out, { isTTY, text: () => text });
}

describe('createLogger', () => {
  it('is pretty on a terminal or when asked, JSON when piped or asked', () => {
    expect(wantsPretty('auto', { isTTY: true })).toBe(true);
    expect(wantsPretty('auto', { isTTY: false })).toBe(false);
    expect(wantsPretty('auto', {})).toBe(false);
    expect(wantsPretty('json', { isTTY: true })).toBe(false);
    expect(wantsPretty('pretty', { isTTY: false })).toBe(true);
  });

  it('writes a readable line with level, message and fields on a terminal', () => {
    const out = sink(true);
    createLogger({ level: 'info', format: 'auto' }, out).error({ jobId: 'job-1' }, 'worker said no');
    // Coloured on a terminal.
    expect(out.text()).not.toBe(stripVTControlCharacters(out.text()));
    const text = stripVTControlCharacters(out.text());
    expect(text).toContain('ERROR');
    expect(text).toContain('worker said no');
    expect(text).toContain('jobId: "job-1"');
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('writes JSON lines when piped, honouring the level', () => {
    const out = sink(false);
    const log = createLogger({ level: 'warn', format: 'auto' }, out);
    log.info('hidden');
    log.warn({ workerId: 'w' }, 'shown');
    expect(JSON.parse(out.text())).toMatchObject({ level: 40, msg: 'shown', workerId: 'w' });
  });
});
