// Script: append-stream (spec §2.3 row 4, §6.5).
import { luaScript } from './lib.lua.js';

export const appendStreamScript = luaScript(
  'sluiceAppendStream',
  String.raw`
-- A job-stream post: appends the item after every item appended before (arrival order) and marks the job
-- streaming, for a job leased to the posting worker only.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] job id   ARGV[3] item JSON
-- Returns {'applied'|'ignored', job} or {'not-found'}.
local j = load(ARGV[2])
if not j then return { 'not-found' } end
if not leased_to(j, ARGV[1]) then return { 'ignored', pack(j) } end
redis.call('RPUSH', k_stream(j.id), ARGV[3])
if j.streaming ~= '1' then put(j, { streaming = '1' }) end
return { 'applied', pack(j) }
`,
);
