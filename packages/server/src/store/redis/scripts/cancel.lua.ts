// Script: cancel (spec §2.3 rows 8, 9).
import { luaScript } from './lib.lua.js';

export const cancelScript = luaScript(
  'sluiceCancel',
  String.raw`
-- Cancels a queued or running job: it leaves the queue, a running one gets a job-stop for its worker, its
-- progress output is dropped, and a webhook delivery is written, all in one step. A terminal job is returned
-- unchanged (cancel is idempotent).
-- KEYS[1] endpoint tag
-- ARGV[1] job id   ARGV[2] now   ARGV[3] webhook delivery nonce
-- Returns {previous status, job}, or nil for an unknown job.
local j = load(ARGV[1])
if not j then return nil end
local previous = j.status
local to = next_status(previous, 'cancel')
if not to then return { previous, pack(j) } end
local stop = nil
if previous == RUNNING then stop = j.workerId end
unindex(j)
put(j, { output = false })
enter_terminal(j, to, nil, stop, tonumber(ARGV[2]), ARGV[3])
index(j)
return { previous, pack(j) }
`,
);
