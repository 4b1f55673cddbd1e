// Every store script, registered on a connection with defineCommand under its name.
import { appendStreamScript } from './append-stream.lua.js';
import { cancelScript } from './cancel.lua.js';
import { claimScript } from './claim.lua.js';
import { enqueueScript } from './enqueue.lua.js';
import { expireScript } from './expire.lua.js';
import { finishScript } from './finish.lua.js';
import { leasedJobsScript } from './leased-jobs.lua.js';
import { progressScript } from './progress.lua.js';
import { purgeQueueScript } from './purge-queue.lua.js';
import { readStreamScript } from './read-stream.lua.js';
import { reclaimScript } from './reclaim.lua.js';
import { recordPingScript } from './record-ping.lua.js';
import { recordWorkerScript } from './record-worker.lua.js';
import { removeWorkerScript } from './remove-worker.lua.js';
import { requestStopScript } from './request-stop.lua.js';
import { retryScript } from './retry.lua.js';
import { setTtlDeadlineScript } from './set-ttl-deadline.lua.js';
import { settleWebhookScript } from './settle-webhook.lua.js';
import { takeStopsScript } from './take-stops.lua.js';
import { takeWebhooksScript } from './take-webhooks.lua.js';
import { unclaimScript } from './unclaim.lua.js';
import { unreadStreamScript } from './unread-stream.lua.js';

export type { LuaScript } from './lib.lua.js';

export const SCRIPTS = {
  enqueue: enqueueScript,
  cancel: cancelScript,
  retry: retryScript,
  purgeQueue: purgeQueueScript,
  setTtlDeadline: setTtlDeadlineScript,
  claim: claimScript,
  unclaim: unclaimScript,
  progress: progressScript,
  finish: finishScript,
  appendStream: appendStreamScript,
  readStream: readStreamScript,
  unreadStream: unreadStreamScript,
  takeStops: takeStopsScript,
  requestStop: requestStopScript,
  leasedJobs: leasedJobsScript,
  recordWorker: recordWorkerScript,
  recordPing: recordPingScript,
  removeWorker: removeWorkerScript,
  expire: expireScript,
  reclaim: reclaimScript,
  takeWebhooks: takeWebhooksScript,
  settleWebhook: settleWebhookScript,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
