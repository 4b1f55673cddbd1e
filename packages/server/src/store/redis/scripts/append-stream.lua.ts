// Script: append-stream (spec §2.3 row 4, §6.5).
import { luaScript } from './lib.lua.js';

export const appendStreamScript = luaScript(
  'sluiceAppendStream',
  String.raw`
-- A job-stream post: appends the item after every item appended before (arrival order) and marks the job
-- streaming, for a job leased to the posting worker only; once per worker sequence within a lease, and only
-- while the job's undelivered items stay within the buffer cap.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] job id   ARGV[3] item JSON   ARGV[4] worker sequence or ''
-- ARGV[5] max unread bytes or ''
-- Hash fields: streamBytes (bytes of undelivered items), streamPostLease (the startedAt of the lease whose
-- sequence streamPostSeq is). Retry deletes them with the list.
-- Returns {'applied'|'ignored'|'duplicate'|'buffer-full', job} or {'not-found'}.
local j = load(ARGV[2])
if not j then return { 'not-found' } end
if not leased_to(j, ARGV[1]) then return { 'ignored', pack(j) } end
local same_lease = j.streamPostLease ~= nil and j.streamPostLease == j.startedAt
if ARGV[4] ~= '' and same_lease and tonumber(ARGV[4]) <= tonumber(j.streamPostSeq or '0') then
  return { 'duplicate', pack(j) }
end
local unread = tonumber(j.streamBytes or '0') + string.len(ARGV[3])
if ARGV[5] ~= '' and unread > tonumber(ARGV[5]) then return { 'buffer-full', pack(j) } end
local post_seq = ARGV[4]
if post_seq == '' then post_seq = same_lease and (j.streamPostSeq or '0') or '0' end
redis.call('RPUSH', k_stream(j.id), ARGV[3])
put(j, { streaming = '1', streamBytes = int(unread), streamPostLease = j.startedAt or false, streamPostSeq = post_seq })
return { 'applied', pack(j) }
`,
);
