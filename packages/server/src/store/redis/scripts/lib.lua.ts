// The Lua prelude every store script starts with: the key functions of redis-keys.ts, the transition table
// of @sluice/protocol (generated into the script text below), and the shared steps of a
// transition: load and save a job hash, keep its indexes and counters, enter a terminal state.
import { JobEvent, JobStatus, TERMINAL_STATUSES, nextStatus } from '@sluice/protocol';
import { LUA_KEY_FUNCTIONS } from '../redis-keys.js';

/**
 * The transition table of @sluice/protocol as Lua tables, written into every script when it is defined:
 * scripts never spell a transition themselves, and no call has to send (and parse) the table as an argument.
 */
function protocolTables(): string {
  const lua = (value: string) => JSON.stringify(value);
  const events = Object.values(JobEvent).map((event) => {
    const moves = Object.values(JobStatus).flatMap((from) => {
      const to = nextStatus(from, event);
      return to === undefined ? [] : [`[${lua(from)}] = ${lua(to)}`];
    });
    return `  [${lua(event)}] = { ${moves.join(', ')} },`;
  });
  return [
    `local TRANSITIONS = {\n${events.join('\n')}\n}`,
    `local TERMINAL = { ${TERMINAL_STATUSES.map((s) => `[${lua(s)}] = true`).join(', ')} }`,
    `local QUEUED = ${lua(JobStatus.IN_QUEUE)}`,
    `local RUNNING = ${lua(JobStatus.IN_PROGRESS)}`,
  ].join('\n');
}

const PROTOCOL_TABLES = protocolTables();

/*
 * Invariants every script keeps (checked by the conformance suite and redis-job-store.test.ts):
 * - a job is in `queue` iff its status is QUEUED (and in `queued-normal` too unless lowPriority), in `run-deadline` iff RUNNING, in `live-deadline` iff not
 *   terminal, in `delete-at` iff terminal, and in `leased:<w>` iff RUNNING with workerId w;
 * - `counts` holds one per job per status, and `retried` one per job with retries >= 1.
 * unindex(j) before a change and index(j) after it keep all of that, whatever the change.
 */
const LIB = String.raw`
${PROTOCOL_TABLES}

local function next_status(from, event)
  local t = TRANSITIONS[event]
  return t and t[from]
end

local function int(n) return string.format('%d', n) end

local function load(id)
  local flat = redis.call('HGETALL', k_job(id))
  if #flat == 0 then return nil end
  local j = {}
  for i = 1, #flat, 2 do j[flat[i]] = flat[i + 1] end
  return j
end

local function pack(j)
  local flat = {}
  for f, v in pairs(j) do
    flat[#flat + 1] = f
    flat[#flat + 1] = v
  end
  return flat
end

-- Saves changes to a loaded job: string values are set, false deletes the field.
local function put(j, changes)
  local sets, dels = {}, {}
  for f, v in pairs(changes) do
    if v == false then
      if j[f] ~= nil then dels[#dels + 1] = f end
      j[f] = nil
    else
      j[f] = v
      sets[#sets + 1] = f
      sets[#sets + 1] = v
    end
  end
  if #sets > 0 then redis.call('HSET', k_job(j.id), unpack(sets)) end
  if #dels > 0 then redis.call('HDEL', k_job(j.id), unpack(dels)) end
end

local function leased_to(j, worker_id)
  return j.status == RUNNING and j.workerId == worker_id
end

-- Retention ends, or the ttl deadline if it comes later than the terminal entry but before retention ends.
local function delete_at(j)
  local ttl_deadline, retain = tonumber(j.ttlDeadline), tonumber(j.retainUntil)
  if ttl_deadline > tonumber(j.finishedAt) then return math.min(retain, ttl_deadline) end
  return retain
end

local function unindex(j)
  redis.call('HINCRBY', k_counts(), j.status, -1)
  if tonumber(j.retries) >= 1 then redis.call('HINCRBY', k_counts(), 'retried', -1) end
  if TERMINAL[j.status] then
    redis.call('ZREM', k_delete_at(), j.id)
  else
    redis.call('ZREM', k_live_deadline(), j.id)
  end
  if j.status == QUEUED then
    redis.call('ZREM', k_queue(), j.id)
    redis.call('ZREM', k_queued_normal(), j.id)
  end
  if j.status == RUNNING then
    redis.call('ZREM', k_run_deadline(), j.id)
    if j.workerId then redis.call('SREM', k_leased(j.workerId), j.id) end
  end
end

local function index(j)
  redis.call('HINCRBY', k_counts(), j.status, 1)
  if tonumber(j.retries) >= 1 then redis.call('HINCRBY', k_counts(), 'retried', 1) end
  if TERMINAL[j.status] then
    redis.call('ZADD', k_delete_at(), delete_at(j), j.id)
  else
    redis.call('ZADD', k_live_deadline(), j.ttlDeadline, j.id)
  end
  if j.status == QUEUED then
    redis.call('ZADD', k_queue(), j.seq, j.id)
    if j.lowPriority ~= '1' then redis.call('ZADD', k_queued_normal(), j.queuedAt, j.id) end
  end
  if j.status == RUNNING then
    redis.call('ZADD', k_run_deadline(), tonumber(j.startedAt) + tonumber(j.executionTimeout), j.id)
    if j.workerId then redis.call('SADD', k_leased(j.workerId), j.id) end
  end
end

-- Changes a job and moves it between indexes and counters in one step.
local function update(j, changes)
  unindex(j)
  put(j, changes)
  index(j)
end

local function delete_job(j)
  unindex(j)
  redis.call('DEL', k_job(j.id), k_stream(j.id))
  if j.workerId then redis.call('ZREM', k_stops(j.workerId), j.id) end
end

-- A queue position in front of every job now queued (requeues); the tail counter when the queue is empty.
local function head_seq()
  local first = redis.call('ZRANGE', k_queue(), 0, 0, 'WITHSCORES')
  if #first == 0 then return redis.call('INCR', k_seq()) end
  return tonumber(first[2]) - 1
end

-- Puts leased jobs back at the head, keeping their relative order (earliest queued first); extra(j) gives
-- the per-job changes. Returns them in queue order.
local function requeue_at_head(jobs, extra)
  table.sort(jobs, function(a, b) return tonumber(a.seq) > tonumber(b.seq) end)
  local out = {}
  for _, j in ipairs(jobs) do
    local to = next_status(j.status, 'requeue')
    if to then
      local changes = extra(j)
      unindex(j)
      changes.status = to
      changes.seq = int(head_seq())
      changes.workerId = false
      changes.startedAt = false
      put(j, changes)
      index(j)
      table.insert(out, 1, j)
    end
  end
  return out
end

local DELIVERIES = 0

-- Moves an indexed job into the terminal state 'to' at 'now' (the caller has unindexed it and indexes it
-- after): sets finishedAt and retainUntil, queues the job-stop, and writes the webhook delivery, a snapshot of
-- the job from which the sender builds the payload. Delivery ids are '<nonce>.<n>', the nonce from ARGV.
local function enter_terminal(j, to, err, stop_worker, now, nonce)
  put(j, { status = to, error = err or false, finishedAt = int(now), retainUntil = int(now + tonumber(j.retention)) })
  if stop_worker then redis.call('ZADD', k_stops(stop_worker), j.pk, j.id) end
  if j.webhook then
    DELIVERIES = DELIVERIES + 1
    local id = nonce .. '.' .. DELIVERIES
    local snapshot = pack(j)
    for _, v in ipairs({ '~at', int(now), '~attempts', '0' }) do snapshot[#snapshot + 1] = v end
    redis.call('HSET', k_outbox(id), unpack(snapshot))
    redis.call('ZADD', k_outbox_due(), now, id)
  end
end
`;

export const LUA_PRELUDE = `${LUA_KEY_FUNCTIONS}\n${LIB}`;

export interface LuaScript {
  /** The command name given to defineCommand. */
  name: string;
  /** The whole script: prelude, then the operation. */
  lua: string;
}

/** A store script: KEYS[1] is the endpoint tag, ARGV its own arguments. */
export function luaScript(name: string, body: string): LuaScript {
  return { name, lua: `${LUA_PRELUDE}\n-- ── ${name} ──\n${body}` };
}
