// Script: record-ping (spec §6.7 ping, §6.8 liveness evidence kept in the store for every server).
import { luaScript } from './lib.lua.js';

export const recordPingScript = luaScript(
  'sluiceRecordPing',
  String.raw`
-- Records a healthy ping on the worker (registering it if new) and counts it against each job leased to the
-- worker: listed (missed = 0), missing after a listing (missed + 1), or missing from a lease never listed
-- (lacking + 1, only once an interval has passed since the lease). Evidence of ended leases is dropped.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] now   ARGV[3] interval ms   ARGV[4] m   ARGV[5..4+m] job ids the ping lists
-- ARGV[5+m] n   then n field, value pairs to set on the worker hash
-- Returns {worker hash, in-flight job count, {job, listed, missed, lacking}...}.
local worker = ARGV[1]
local now = tonumber(ARGV[2])
local key = k_worker(worker)
local previous = redis.call('HGET', key, 'lastPingAt')
redis.call('SADD', k_workers(), worker)
redis.call('HSETNX', key, 'firstSeenAt', ARGV[2])
local m = tonumber(ARGV[4])
local listed_now = {}
for i = 5, 4 + m do listed_now[ARGV[i]] = true end
local n = tonumber(ARGV[5 + m])
local sets = {}
for i = 6 + m, 5 + m + 2 * n do sets[#sets + 1] = ARGV[i] end
if #sets > 0 then redis.call('HSET', key, unpack(sets)) end

local interval = tonumber(ARGV[3])
if previous then interval = math.max(interval, now - tonumber(previous)) end
local evidence_key = k_lease_pings(worker)
local stored = {}
local flat = redis.call('HGETALL', evidence_key)
for i = 1, #flat, 2 do stored[flat[i]] = flat[i + 1] end

local jobs = {}
for _, id in ipairs(redis.call('SMEMBERS', k_leased(worker))) do
  local j = load(id)
  if j and leased_to(j, worker) then jobs[#jobs + 1] = j end
end
table.sort(jobs, function(a, b) return tonumber(a.pk) < tonumber(b.pk) end)

local out = { redis.call('HGETALL', key), redis.call('SCARD', k_leased(worker)) }
for _, j in ipairs(jobs) do
  local started = tonumber(j.startedAt or ARGV[2])
  local listed, missed, lacking = 0, 0, 0
  local old = stored[j.id]
  stored[j.id] = nil
  if old then
    local s, l, mi, la = string.match(old, '^(%d+)|(%d)|(%d+)|(%d+)$')
    if s and tonumber(s) == started then listed, missed, lacking = tonumber(l), tonumber(mi), tonumber(la) end
  end
  if listed_now[j.id] then
    listed, missed = 1, 0
  elseif listed == 1 then
    missed = missed + 1
  elseif now >= started + interval then
    lacking = lacking + 1
  end
  redis.call('HSET', evidence_key, j.id, int(started) .. '|' .. listed .. '|' .. missed .. '|' .. lacking)
  out[#out + 1] = { pack(j), listed, missed, lacking }
end
for id in pairs(stored) do redis.call('HDEL', evidence_key, id) end
return out
`,
);
