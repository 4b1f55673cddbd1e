// Durations in the config file, env and flags: one rule everywhere. A plain number is in the key's own unit
// (milliseconds, or seconds for RunPod's `idleTimeout`); a string may carry a unit: `250ms`, `60s`, `5m`, `2h`, `1d`.
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;

/** What every duration error says is allowed. */
export function durationRule(unit: 'ms' | 's'): string {
  const plain = unit === 'ms' ? 'milliseconds' : 'seconds';
  return `a duration: a whole number of ${plain}, or a number with a unit (ms, s, m, h, d) such as "60s" or "5m"`;
}

/**
 * Reads a duration as a whole number of `unit`; `undefined` when it is not one (wrong shape, or a fraction of
 * the unit such as "1.5ms").
 */
export function parseDuration(value: unknown, unit: 'ms' | 's' = 'ms'): number | undefined {
  let amount: number;
  let given: Unit = unit;
  if (typeof value === 'number') amount = value;
  else if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (!match) return undefined;
    amount = Number(match[1]);
    given = (match[2] as Unit | undefined) ?? unit;
  } else return undefined;
  const result = (amount * UNIT_MS[given]) / UNIT_MS[unit];
  // Rounding absorbs float noise such as 0.1h; a true fraction of the unit stays refused.
  const rounded = Math.round(result);
  return Number.isFinite(result) && Math.abs(result - rounded) < 1e-9 ? rounded : undefined;
}

/** A duration key of the config: a number or a string with a unit in, a whole number of `unit` out. */
export function duration(range: { min: number; max: number }, unit: 'ms' | 's' = 'ms') {
  const rule = `must be ${durationRule(unit)}`;
  return z
    .union([z.number(), z.string().regex(DURATION, rule)], { error: rule })
    .transform((value, ctx) => {
      const parsed = parseDuration(value, unit);
      if (parsed === undefined) {
        ctx.issues.push({ code: 'custom', input: value, message: rule });
        return z.NEVER;
      }
      return parsed;
    })
    .pipe(
      z
        .number()
        .int()
        .min(range.min, `must be at least ${range.min} ${unit}`)
        .max(range.max, `must be at most ${range.max} ${unit}`),
    )
    .meta({ description: `${durationRule(unit)}; ${range.min}–${range.max} ${unit}` });
}
