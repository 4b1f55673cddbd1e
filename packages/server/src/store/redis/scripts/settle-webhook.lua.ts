// Script: settle-webhook (spec §5).
import { luaScript } from './lib.lua.js';

export const settleWebhookScript = luaScript(
  'sluiceSettleWebhook',
  String.raw`
-- Ends a delivery (sent or given up) or counts its attempt and makes it due again at retryAt. Settling an
-- unknown or already ended delivery changes nothing.
-- KEYS[1] endpoint tag
-- ARGV[1] delivery id   ARGV[2] '1' when done   ARGV[3] retryAt
-- Returns 1.
local key = k_outbox(ARGV[1])
if ARGV[2] == '1' then
  redis.call('ZREM', k_outbox_due(), ARGV[1])
  redis.call('DEL', key)
elseif redis.call('EXISTS', key) == 1 then
  redis.call('HINCRBY', key, '~attempts', 1)
  redis.call('ZADD', k_outbox_due(), ARGV[3], ARGV[1])
end
return 1
`,
);
