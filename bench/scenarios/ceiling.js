// Scenario 1, the ceiling: bare node:http answering the JSON POST that /run receives (same body, a small JSON
// answer), driven by autocannon exactly as /run is in scenario 2. Its result is the baseline of /run. The same
// POST to a bare Fastify app is measured too, to show how much of the gap to /run is the framework's.
import { startBareHttp } from '../lib/bare-http.js';
import { hammer } from '../lib/load.js';
import { cpuMs } from '../lib/processes.js';
import { RUN_BODY, RUN_BYTES } from '../lib/payload.js';
import { row } from '../lib/report.js';

export const title = 'ceiling: bare node:http JSON POST (and the Fastify floor)';

export async function run(ctx) {
  const { connections, seconds, warmupSeconds } = ctx.settings.submit;
  const where = `${connections} conns, ${seconds} s, ${RUN_BYTES} B body`;
  const measure = async (kind, path) => {
    const server = await startBareHttp(kind);
    try {
      const url = `${server.origin}${path}`;
      await hammer({ url, body: RUN_BODY, connections, duration: warmupSeconds });
      const cpuBefore = cpuMs(server.pid);
      const result = await hammer({ url, body: RUN_BODY, connections, duration: seconds });
      result.serverCpuUs = ((cpuMs(server.pid) - cpuBefore) * 1000) / (result.ok + result.non2xx);
      ctx.log(`bare ${kind}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
      return result;
    } finally {
      await server.stop();
    }
  };
  const result = await measure('node:http', '/run');
  ctx.shared.ceiling = result;
  // Not a target: where the framework alone lands against the ceiling, so /run's ratio can be read.
  const fastify = await measure('fastify', '/v2/bench/run');
  return {
    rows: [
      row({ scenario: 'ceiling', metric: `JSON POST req/s (${where})`, value: result.rps, unit: 'req/s' }),
      row({ scenario: 'ceiling', metric: 'JSON POST latency p50', value: result.p50, unit: 'ms' }),
      row({ scenario: 'ceiling', metric: 'JSON POST latency p99', value: result.p99, unit: 'ms' }),
      row({ scenario: 'ceiling', metric: 'server CPU per request', value: result.serverCpuUs, unit: 'µs' }),
      row({
        scenario: 'ceiling',
        metric: 'Fastify floor: same POST, same body parsing, no Sluice',
        value: fastify.rps,
        unit: 'req/s',
        baseline: result.rps,
        baselineOf: 'bare node:http',
      }),
      row({
        scenario: 'ceiling',
        metric: 'Fastify floor: server CPU per request',
        value: fastify.serverCpuUs,
        unit: 'µs',
        baseline: result.serverCpuUs,
        baselineOf: 'bare node:http',
      }),
    ],
    data: { ...result, connections, seconds, bodyBytes: RUN_BYTES, fastify },
  };
}
