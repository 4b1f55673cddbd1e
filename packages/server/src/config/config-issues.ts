// Turns zod's issues about a config into lines a person can act on: the key's path, what is allowed, and a
// "did you mean" for a misspelt key. Every issue of one parse is reported together.
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

export const ENDPOINT_ID_RULE = '1-64 characters, each a letter (A-Z, a-z), a digit, "_" or "-"';

/** The allowed keys of a strict object, read from the schema that raised the issue. */
function allowedKeys(issue: z.core.$ZodRawIssue): string[] {
  const inst = issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined;
  return Object.keys(inst?._zod?.def?.shape ?? {});
}

/** A close allowed key for a misspelt one (two edits, or a third of its letters for long keys), if any. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0) return undefined;
  const lower = key.toLowerCase();
  const exact = allowed.find((candidate) => candidate.toLowerCase() === lower);
  if (exact) return exact;
  const best = closest(key, [...allowed]);
  return distance(key, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function unknownKeyMessage(key: string, allowed: string[]): string {
  const hint = suggestKey(key, allowed);
  const choices = allowed.length > 0 ? `; allowed: ${allowed.join(', ')}` : '';
  return `unknown key ${JSON.stringify(key)}${hint ? ` (did you mean "${hint}"?)` : ''}${choices}`;
}

/**
 * zod error map for config parses. zod reports every unknown key of one object in one issue, and only the
 * error map sees the object's schema (to suggest a key): it writes one line per key, in `keys` order, which
 * `configIssues` splits into one issue per key so that each names its own path.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(issue);
      return issue.keys.map((key) => unknownKeyMessage(key, allowed)).join('\n');
    }
    case 'too_small':
      return issue.origin === 'number' ? `must be at least ${String(issue.minimum)}` : undefined;
    case 'too_big':
      return issue.origin === 'number' ? `must be at most ${String(issue.maximum)}` : undefined;
    default:
      return undefined;
  }
};

export interface ConfigIssue {
  path: PropertyKey[];
  message: string;
}

function flatten(issue: z.core.$ZodIssue): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const lines = issue.message.split('\n');
    return issue.keys.map((key, i) => ({ path: [...issue.path, key], message: lines[i] ?? issue.message }));
  }
  if (issue.code === 'invalid_key' && issue.path[0] === 'endpoints' && issue.path.length === 2) {
    return [{ path: issue.path, message: `is not a valid endpoint id: use ${ENDPOINT_ID_RULE}` }];
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues.map((i) => i.message).join('; ');
    return [{ path: issue.path, message: `is not an allowed key: ${inner}` }];
  }
  return [{ path: issue.path, message: issue.message }];
}

/** One issue per problem, unknown keys split out and each explained. */
export function configIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  return issues.flatMap(flatten);
}

/** `endpoints."my model".workersMax`: dotted, with keys that are not plain words quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      const text = String(part);
      const plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(text) ? text : JSON.stringify(text);
      return i === 0 ? plain : `.${plain}`;
    })
    .join('');
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return configIssues(issues)
    .map((i) => `  ${formatPath(i.path)}: ${i.message}`)
    .join('\n');
}
