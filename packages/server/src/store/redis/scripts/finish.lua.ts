// Script: finish (spec §2.3 rows 5, 6, 7; §6.4 acceptance).
import { luaScript } from './lib.lua.js';

export const finishScript = luaScript(
  'sluiceFinish',
  String.raw`
-- A final post: the first one wins. Accepted from the worker the job is leased to, or from the last holder of
-- a job requeued by reclaim and not yet re-leased (the job then leaves the queue). The job enters COMPLETED
-- or FAILED with the posted output and error, its webhook delivery, and a job-stop when sluice failed it
-- for an invalid post, in one step. Any other post changes nothing.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] job id   ARGV[3] event ('complete' | 'fail')
-- ARGV[4] '1' when an output was posted   ARGV[5] output JSON   ARGV[6] '1' when an error is given   ARGV[7] error
-- ARGV[8] '1' for isStream   ARGV[9] '1' to queue a job-stop   ARGV[10] now   ARGV[11] webhook delivery nonce
-- Returns {'applied'|'ignored', job} or {'not-found'}.
local worker = ARGV[1]
local j = load(ARGV[2])
if not j then return { 'not-found' } end
local from = nil
if leased_to(j, worker) then
  from = j.status
elseif j.status == QUEUED and j.previousWorkerId == worker then
  from = RUNNING
end
local to = from and next_status(from, ARGV[3])
if not to then return { 'ignored', pack(j) } end
local changes = { workerId = worker, output = false }
if ARGV[4] == '1' then changes.output = ARGV[5] end
if ARGV[8] == '1' then changes.streaming = '1' end
local err, stop = nil, nil
if ARGV[6] == '1' then err = ARGV[7] end
if ARGV[9] == '1' then stop = worker end
unindex(j)
put(j, changes)
enter_terminal(j, to, err, stop, tonumber(ARGV[10]), ARGV[11])
index(j)
return { 'applied', pack(j) }
`,
);
