// Script: record-worker (spec §6.7, §4.9).
import { luaScript } from './lib.lua.js';

export const recordWorkerScript = luaScript(
  'sluiceRecordWorker',
  String.raw`
-- Registers a worker if new (firstSeenAt = now) and applies an update in the same step.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] now   ARGV[3] n   ARGV[4..3+2n] field, value pairs to set   then fields to delete
-- Returns {worker hash, in-flight job count}.
local worker = ARGV[1]
local key = k_worker(worker)
redis.call('SADD', k_workers(), worker)
redis.call('HSETNX', key, 'firstSeenAt', ARGV[2])
local n = tonumber(ARGV[3])
local sets, dels = {}, {}
for i = 4, 3 + 2 * n do sets[#sets + 1] = ARGV[i] end
for i = 4 + 2 * n, #ARGV do dels[#dels + 1] = ARGV[i] end
if #sets > 0 then redis.call('HSET', key, unpack(sets)) end
if #dels > 0 then redis.call('HDEL', key, unpack(dels)) end
return { redis.call('HGETALL', key), redis.call('SCARD', k_leased(worker)) }
`,
);
