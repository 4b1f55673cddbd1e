// Validation of client input (spec §4.1, §2.4, §1.4), shared by the server and the client SDK.
import { SluiceError } from './errors.js';
import { isPlainObject } from './plain-object.js';
import { RANGES, inRange, type Range } from './limits.js';
import type { Json, RunRequest } from './wire.js';

/** A submission after validation: policy members are numbers/booleans or absent (never null). */
export interface Submission {
  input: Json;
  webhook?: string;
  policy: { executionTimeout?: number; ttl?: number; lowPriority?: boolean };
  s3Config?: Record<string, Json>;
}

function invalid(field: string, rule: string): SluiceError {
  return new SluiceError('ERR_REQUEST_INVALID_FIELD', `${field} is invalid; ${rule}`);
}

export function isAbsoluteHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function rangeRule(range: Range): string {
  return `must be between ${range.min} and ${range.max}`;
}

function parsePolicy(value: unknown): Submission['policy'] {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw invalid('policy', 'must be an object');
  const policy: Submission['policy'] = {};
  for (const key of ['executionTimeout', 'ttl'] as const) {
    const member = value[key];
    if (member === undefined || member === null) continue;
    const range = RANGES[key];
    if (typeof member !== 'number' || !inRange(member, range)) throw invalid(`policy.${key}`, rangeRule(range));
    policy[key] = member;
  }
  const lowPriority = value['lowPriority'];
  if (lowPriority !== undefined && lowPriority !== null) {
    if (typeof lowPriority !== 'boolean') throw invalid('policy.lowPriority', 'must be a boolean');
    policy.lowPriority = lowPriority;
  }
  return policy;
}

/** Validates a parsed `run`/`runsync` body, throwing the spec's 400 errors. */
export function parseSubmission(body: unknown): Submission {
  if (!isPlainObject(body)) throw new SluiceError('ERR_REQUEST_INVALID_JSON');
  const input = body['input'];
  if (input === undefined || input === null) {
    throw new SluiceError('ERR_REQUEST_INPUT_REQUIRED');
  }
  const submission: Submission = { input: input as Json, policy: parsePolicy(body['policy']) };
  const webhook = body['webhook'];
  if (webhook !== undefined && webhook !== null) {
    if (!isAbsoluteHttpUrl(webhook)) throw invalid('webhook', 'must be an absolute http or https URL');
    submission.webhook = webhook;
  }
  const s3Config = body['s3Config'];
  if (s3Config !== undefined && s3Config !== null) {
    if (!isPlainObject(s3Config)) throw invalid('s3Config', 'must be an object');
    submission.s3Config = s3Config as Record<string, Json>;
  }
  return submission;
}

/**
 * Parses an integer query parameter (`wait`, `ttl`): absent → `fallback`; anything but a plain base-10
 * integer in range → that parameter's 400 (spec §4).
 */
export function parseIntegerParam(name: string, raw: unknown, range: Range, fallback: number): number;
export function parseIntegerParam(name: string, raw: unknown, range: Range, fallback?: undefined): number | undefined;
export function parseIntegerParam(name: string, raw: unknown, range: Range, fallback?: number): number | undefined {
  if (raw === undefined) return fallback;
  const text: unknown = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  const value = typeof text === 'string' && /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!inRange(value, range)) throw invalid(name, rangeRule(range));
  return value;
}

export type { RunRequest };
