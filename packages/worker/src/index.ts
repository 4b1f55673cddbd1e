// @sluice/worker: write Sluice (RunPod-compatible) workers in TypeScript.
export { start } from './start.js';
export { runTestInput, type TestRunOptions, type TestRunResult } from './test-mode.js';
export type { StartOptions, TestJob, WorkerTimings } from './options.js';
export type { Handler, HandlerJob, JobContext } from './handler.js';
export type { JobLogger, LogFields, WorkerLogger } from './logger.js';
export type { ResultBody } from './result-body.js';
export { RUNPOD_VERSION, SDK_VERSION } from './version.js';
