// Script: purge-queue (spec §2.3 row 10).
import { luaScript } from './lib.lua.js';

export const purgeQueueScript = luaScript(
  'sluicePurgeQueue',
  String.raw`
-- Cancels up to a batch of the endpoint's queued jobs, oldest first, each with its webhook delivery. The
-- caller repeats with the returned limit while more remain, so a million queued jobs never block Redis in one
-- script; the limit (the tail position at the first call) keeps jobs submitted meanwhile out of the purge.
-- KEYS[1] endpoint tag
-- ARGV[1] now   ARGV[2] webhook delivery nonce   ARGV[3] batch size   ARGV[4] highest position ('' = tail now)
-- Returns {limit, more (0|1), {job...}}.
local now, batch = tonumber(ARGV[1]), tonumber(ARGV[3])
local limit = ARGV[4]
if limit == '' then limit = redis.call('GET', k_seq()) or '0' end
local ids = redis.call('ZRANGEBYSCORE', k_queue(), '-inf', limit, 'LIMIT', 0, batch)
local out = {}
for _, id in ipairs(ids) do
  local j = load(id)
  local to = j and next_status(j.status, 'cancel')
  if to then
    unindex(j)
    enter_terminal(j, to, nil, nil, now, ARGV[2])
    index(j)
    out[#out + 1] = pack(j)
  else
    redis.call('ZREM', k_queue(), id)
  end
end
local more = 0
if #ids == batch then more = 1 end
return { limit, more, out }
`,
);
