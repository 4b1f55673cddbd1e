// Script: take-webhooks (spec §5, the outbox sender's lease).
import { luaScript } from './lib.lua.js';

export const takeWebhooksScript = luaScript(
  'sluiceTakeWebhooks',
  String.raw`
-- Leases up to max deliveries due at now, earliest first, by moving their due time to now + lease: no other
-- server takes them until the lease lapses or they are settled.
-- KEYS[1] endpoint tag
-- ARGV[1] now   ARGV[2] max   ARGV[3] lease ms
-- Returns {{delivery id, delivery hash}...}.
local ids = redis.call('ZRANGEBYSCORE', k_outbox_due(), '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local leased_until = int(tonumber(ARGV[1]) + tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local flat = redis.call('HGETALL', k_outbox(id))
  if #flat == 0 then
    redis.call('ZREM', k_outbox_due(), id)
  else
    redis.call('ZADD', k_outbox_due(), leased_until, id)
    out[#out + 1] = { id, flat }
  end
end
return out
`,
);
