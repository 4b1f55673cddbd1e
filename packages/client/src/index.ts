// @sluice/client: a typed, fetch-based client for Sluice and RunPod-compatible endpoints (browser-safe).
export { createClient, DEFAULT_TIMEOUT_MS } from './create-client.js';
export type { ClientOptions, SluiceClient } from './create-client.js';
export { BLOCKING_GRACE_MS } from './endpoint-client.js';
export type {
  EndpointClient,
  CallOptions,
  SubmitOptions,
  RunSyncOptions,
  StatusOptions,
  WaitOptions,
  WaitForOptions,
} from './endpoint-client.js';
export type { JobStream } from './stream.js';
export type { FetchLike } from './http.js';
export { SluiceClientError, ClientErrorCode } from './errors.js';
export type { SluiceClientErrorCode, SluiceClientErrorInit } from './errors.js';
export { JobStatus, isTerminal } from '@sluice/protocol';
export type {
  HealthObject,
  Json,
  Policy,
  PurgeQueueResponse,
  RunResponse,
  StatusObject,
  StreamObject,
} from '@sluice/protocol';
