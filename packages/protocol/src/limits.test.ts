import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonNestingExceeds } from './limits.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonNestingExceeds', () => {
  it('allows MAX_JSON_DEPTH levels of arrays and objects and refuses one more', () => {
    expect(jsonNestingExceeds(bytes(nested(MAX_JSON_DEPTH)))).toBe(false);
    expect(jsonNestingExceeds(bytes(nested(MAX_JSON_DEPTH + 1)))).toBe(true);
    const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expect(jsonNestingExceeds(bytes(objects(3)), 3)).toBe(false);
    expect(jsonNestingExceeds(bytes(objects(4)), 3)).toBe(true);
    expect(jsonNestingExceeds(bytes('[{"a":[1]},{"b":[2]}]'), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes and multi-byte characters included', () => {
    expect(jsonNestingExceeds(bytes('{"a":"[[[[{{{{"}'), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes('{"a":"\\"[[[[\\\\"}'), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes('{"é✓\\u005b":"[[🙂[["}'), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes('{"a":"\\\\",  "b":[[1]]}'), 2)).toBe(true);
  });

  it('counts unclosed openings of text that is not JSON', () => {
    expect(jsonNestingExceeds(bytes('['.repeat(10)), 9)).toBe(true);
    expect(jsonNestingExceeds(bytes(''))).toBe(false);
  });
});
