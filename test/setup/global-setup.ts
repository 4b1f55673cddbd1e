// Runs once in Vitest's main process: finds the Redis and Chromium the suites may need (test/support/
// requirements.ts has the rule), hands them to the test files, and at the end stops the private redis-server
// it may have started and prints the one line naming the suites skipped for want of either.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findOnPath, isExecutable, redisAnswers, startPrivateRedis } from '../support/private-redis.js';
import type { TestRequirements } from '../support/provided.js';
import { isCi, resolveChromium, resolveRedis, skippedLine, type SkippedSuite } from '../support/requirements.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const chromiumPath = resolveChromium(process.env, { isExecutable });
  const redis = await resolveRedis(process.env, {
    answers: redisAnswers,
    findServerBinary: () => findOnPath('redis-server'),
    startPrivate: startPrivateRedis,
  });
  const skipLog = mkdtempSync(join(tmpdir(), 'sluice-test-skips-'));
  // An interrupted run (Ctrl-C) never reaches the teardown.
  const removeSkipLog = () => rmSync(skipLog, { recursive: true, force: true });
  process.once('exit', removeSkipLog);
  const provided: TestRequirements = { ci: isCi(process.env), skipLog };
  if (redis.source !== 'missing') provided.redisUrl = redis.url;
  if (redis.serverBinary) provided.redisServer = redis.serverBinary;
  if (chromiumPath) provided.chromiumPath = chromiumPath;
  project.provide('requirements', provided);

  return async () => {
    if (redis.source === 'private') await redis.stop();
    const line = skippedLine(readSkips(skipLog));
    process.off('exit', removeSkipLog);
    removeSkipLog();
    if (line) console.log(`\n${line}\n`);
  };
}

function readSkips(dir: string): SkippedSuite[] {
  return readdirSync(dir)
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as SkippedSuite)
    .sort((a, b) => a.suite.localeCompare(b.suite));
}
