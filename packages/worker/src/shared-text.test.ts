// SharedText: what one thread writes, another reads whole, also after the text outgrew the buffer.
import { describe, expect, it } from 'vitest';
import { SharedText, readSharedText } from './shared-text.js';

describe('SharedText', () => {
  it('reads no text before the first write and after writing none', () => {
    const shared = new SharedText(16);
    expect(readSharedText(shared.buffer)).toBeUndefined();
    shared.write('abc');
    shared.write(undefined);
    expect(readSharedText(shared.buffer)).toBeUndefined();
  });

  it('reads the last text written, shorter ones included, in UTF-8', () => {
    const shared = new SharedText(16);
    expect(shared.write('a longer text')).toBe(false);
    shared.write('héllo');
    expect(readSharedText(shared.buffer)).toBe('héllo');
    shared.write('');
    expect(readSharedText(shared.buffer)).toBe('');
  });

  it('moves to a larger buffer when a text outgrows it, and says so', () => {
    const shared = new SharedText(8);
    const first = shared.buffer;
    expect(shared.write('x'.repeat(20))).toBe(true);
    expect(shared.buffer).not.toBe(first);
    expect(readSharedText(shared.buffer)).toBe('x'.repeat(20));
    expect(shared.write('y'.repeat(20))).toBe(false);
    expect(readSharedText(shared.buffer)).toBe('y'.repeat(20));
  });
});
