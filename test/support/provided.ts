// What the global setup (test/setup/global-setup.ts) hands every test file through Vitest's provide/inject,
// and the one rule test files follow for a missing requirement: skip and record the suite for the end-of-run
// line, or, in CI, fail the file.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { RequirementMissingError, type Requirement, type SkippedSuite } from './requirements.js';

export interface TestRequirements {
  /** URL of a Redis that answered when the run started (shared or private). */
  redisUrl?: string;
  /** Path of an installed redis-server binary. */
  redisServer?: string;
  chromiumPath?: string;
  ci: boolean;
  /** Directory where files record the suites they skipped; read by the global teardown. */
  skipLog: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    requirements: TestRequirements;
  }
}

export function requirements(): TestRequirements {
  const provided = inject('requirements') as TestRequirements | undefined;
  if (!provided) throw new Error('test/setup/global-setup.ts did not run: run tests with the root vitest.config.ts');
  return provided;
}

/**
 * Returns `value` when present; otherwise records `suite` as skipped for `requirement` and returns undefined,
 * or throws in CI, where nothing is skipped.
 */
export function needs<T>(requirement: Requirement, suite: string, value: T | undefined): T | undefined {
  if (value !== undefined) return value;
  const { ci, skipLog } = requirements();
  if (ci) throw new RequirementMissingError(requirement, `needed by "${suite}"`);
  const record: SkippedSuite = { requirement, suite };
  writeFileSync(join(skipLog, `${randomUUID()}.json`), JSON.stringify(record));
  return undefined;
}
