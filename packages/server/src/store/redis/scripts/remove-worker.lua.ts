// Script: remove-worker (spec §4.9: forgetting a lost worker).
import { luaScript } from './lib.lua.js';

export const removeWorkerScript = luaScript(
  'sluiceRemoveWorker',
  String.raw`
-- Forgets a worker, any job-stops still pending for it and the evidence of its pings. Its leased set stays: it indexes jobs, not the
-- worker, and empties as those jobs move on.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id
-- Returns 1.
redis.call('SREM', k_workers(), ARGV[1])
redis.call('DEL', k_worker(ARGV[1]), k_stops(ARGV[1]), k_lease_pings(ARGV[1]))
return 1
`,
);
