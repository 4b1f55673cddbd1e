// How the deciding server splits an endpoint's fleet-wide target among the servers, as a pure function: every
// live server keeps the share it had (never less than what it runs), retirees leave the share of the server
// that runs them, and missing workers go one at a time to the server with the most room for this endpoint.
// Shares only grow on servers with room and only shrink by retirement or by dropping unstarted workers, so
// the sum of what the servers run never passes the target (workersMax) while a plan is carried out.
import type { ServerShare } from '../../store/fleet-registry.js';

/** One live server as the planner sees it for one endpoint. */
export interface PlannerServer {
  serverId: string;
  /** Its active (starting or ready) workers of the endpoint. */
  active: string[];
  /** How many active workers of the endpoint it could run in all (its own plus what its free GPUs or CPU slots allow). */
  capacity: number;
}

export interface ShareInput {
  target: number;
  /** Workers to stop (the scaler's choice, fleet-wide). */
  retire: string[];
  servers: PlannerServer[];
  /** Shares of the previous plan; servers missing from `servers` are gone and lose theirs. */
  previous: Record<string, ServerShare>;
}

export interface SharePlan {
  shares: Record<string, ServerShare>;
  /** Workers of the target no server has room for. */
  unplaced: number;
}

interface Draft {
  server: PlannerServer;
  target: number;
  retire: string[];
  launches: number;
  dropped: number;
}

export function planShares(input: ShareInput): SharePlan {
  const drafts = [...input.servers]
    .sort((a, b) => a.serverId.localeCompare(b.serverId))
    .map((server): Draft => {
      const previous = input.previous[server.serverId]?.target ?? 0;
      const base = Math.min(Math.max(previous, server.active.length), Math.max(server.capacity, server.active.length));
      return { server, target: base, retire: [], launches: 0, dropped: 0 };
    });
  for (const workerId of input.retire) {
    const draft = drafts.find((d) => d.server.active.includes(workerId));
    if (!draft) continue;
    draft.retire.push(workerId);
    draft.target = Math.max(0, draft.target - 1);
  }
  let sum = drafts.reduce((total, d) => total + d.target, 0);
  // Too many: drop wanted-but-unstarted workers first, from the server with the most of them.
  while (sum > input.target) {
    const unstarted = (d: Draft) => d.target - (d.server.active.length - d.retire.length);
    const draft = [...drafts].filter((d) => unstarted(d) > 0).sort((a, b) => unstarted(b) - unstarted(a))[0];
    if (!draft) break;
    draft.target--;
    draft.dropped++;
    sum--;
  }
  // Too few: one at a time to the server with the most room left, then the fewest workers, then by id.
  while (sum < input.target) {
    const room = (d: Draft) => d.server.capacity - d.target - d.retire.length;
    const draft = [...drafts].filter((d) => room(d) > 0).sort((a, b) => room(b) - room(a) || a.target - b.target)[0];
    if (!draft) break;
    draft.target++;
    draft.launches++;
    sum++;
  }
  const shares: Record<string, ServerShare> = {};
  for (const d of drafts) shares[d.server.serverId] = { target: d.target, retire: d.retire, why: explain(d) };
  return { shares, unplaced: Math.max(0, input.target - sum) };
}

function explain(d: Draft): string {
  const parts: string[] = [];
  const room = d.server.capacity - d.server.active.length;
  if (d.launches > 0) parts.push(`+${d.launches} (room for ${room} more)`);
  if (d.retire.length > 0) parts.push(`retire ${d.retire.join(', ')}`);
  if (d.dropped > 0) parts.push(`-${d.dropped} not started`);
  if (parts.length === 0) parts.push(`keeps ${d.target}`);
  return parts.join('; ');
}
