// Script: progress (spec §2.3 row 3, §6.4 rule 2).
import { luaScript } from './lib.lua.js';

export const progressScript = luaScript(
  'sluiceProgress',
  String.raw`
-- A progress post: the output of a job leased to the posting worker becomes the posted value (or none when the
-- post had no output key); it stays IN_PROGRESS. Posts for other jobs change nothing.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] job id   ARGV[3] '1' when an output was posted   ARGV[4] output JSON
-- Returns {'applied'|'ignored', job} or {'not-found'}.
local j = load(ARGV[2])
if not j then return { 'not-found' } end
if not leased_to(j, ARGV[1]) then return { 'ignored', pack(j) } end
local output = false
if ARGV[3] == '1' then output = ARGV[4] end
put(j, { output = output })
return { 'applied', pack(j) }
`,
);
