import { describe, expect, it } from 'vitest';
import { version as uuidVersion, validate } from 'uuid';
import { jobIdMaker } from './job-ids.js';

const T = 1_800_000_000_123;

describe('jobIdMaker', () => {
  it('makes version 7 ids stamped with the clock, sync ones prefixed', () => {
    const make = jobIdMaker('uuid7', () => T);
    const id = make(false);
    expect(validate(id) && uuidVersion(id)).toBe(7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(T);
    const sync = make(true);
    expect(sync.startsWith('sync-')).toBe(true);
    expect(uuidVersion(sync.slice(5))).toBe(7);
  });

  it('sorts ids of later milliseconds after earlier ones', () => {
    let now = T;
    const make = jobIdMaker('uuid7', () => now);
    const ids = Array.from({ length: 50 }, () => {
      now += 1;
      return make(false);
    });
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps the 74 bits after the time, version and variant random: no counter within a millisecond', () => {
    const make = jobIdMaker('uuid7', () => T);
    const bits = (id: string) => BigInt(`0x${id.replace(/-/g, '')}`);
    // Every bit but the 48 time bits, the 4 version bits (48–51) and the 2 variant bits (64–65), from the top.
    const randomBits = [...Array(128).keys()].filter((i) => i >= 52 && !(i >= 64 && i <= 65));
    expect(randomBits).toHaveLength(74);
    const ids = Array.from({ length: 400 }, () => bits(make(false)));
    for (const i of randomBits) {
      const mask = 1n << BigInt(127 - i);
      const ones = ids.filter((v) => (v & mask) !== 0n).length;
      // Each bit is set in about half the ids: a fixed bit or a counter's high bits would be 0 or 400.
      expect(ones, `bit ${i}`).toBeGreaterThan(100);
      expect(ones, `bit ${i}`).toBeLessThan(300);
    }
  });

  it('makes version 4 ids when asked', () => {
    const id = jobIdMaker('uuid4', () => T)(false);
    expect(uuidVersion(id)).toBe(4);
  });
});
