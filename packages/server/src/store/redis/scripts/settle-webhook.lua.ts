// Script: settle-webhook (spec §5).
import { luaScript } from './lib.lua.js';

export const settleWebhookScript = luaScript(
  'sluiceSettleWebhook',
  String.raw`
-- Ends a delivery (sent or given up) or counts its attempt and makes it due again at retryAt. Settling an
-- unknown or already ended delivery changes nothing.
-- KEYS[1] endpoint tag
-- ARGV[2] delivery id   ARGV[3] '1' when done   ARGV[4] retryAt
-- Returns 1.
local key = k_outbox(ARGV[2])
if ARGV[3] == '1' then
  redis.call('ZREM', k_outbox_due(), ARGV[2])
  redis.call('DEL', key)
elseif redis.call('EXISTS', key) == 1 then
  redis.call('HINCRBY', key, '~attempts', 1)
  redis.call('ZADD', k_outbox_due(), ARGV[4], ARGV[2])
end
return 1
`,
);
