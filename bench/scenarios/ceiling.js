// Scenario 1, the ceiling: bare node:http answering the JSON POST that /run receives (same body, a small JSON
// answer), driven by autocannon exactly as /run is in scenario 2. Its result is the baseline of /run.
import { startBareHttp } from '../lib/bare-http.js';
import { hammer } from '../lib/load.js';
import { cpuMs } from '../lib/processes.js';
import { RUN_BODY, RUN_BYTES } from '../lib/payload.js';
import { row } from '../lib/report.js';

export const title = 'ceiling: bare node:http JSON POST';

export async function run(ctx) {
  const { connections, seconds, warmupSeconds } = ctx.settings.submit;
  const bare = await startBareHttp();
  try {
    const url = `${bare.origin}/run`;
    await hammer({ url, body: RUN_BODY, connections, duration: warmupSeconds });
    const cpuBefore = cpuMs(bare.pid);
    const result = await hammer({ url, body: RUN_BODY, connections, duration: seconds });
    result.serverCpuUs = ((cpuMs(bare.pid) - cpuBefore) * 1000) / (result.ok + result.non2xx);
    ctx.shared.ceiling = result;
    ctx.log(`bare node:http: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
    const where = `${connections} conns, ${seconds} s, ${RUN_BYTES} B body`;
    return {
      rows: [
        row({ scenario: 'ceiling', metric: `JSON POST req/s (${where})`, value: result.rps, unit: 'req/s' }),
        row({ scenario: 'ceiling', metric: 'JSON POST latency p50', value: result.p50, unit: 'ms' }),
        row({ scenario: 'ceiling', metric: 'JSON POST latency p99', value: result.p99, unit: 'ms' }),
        row({ scenario: 'ceiling', metric: 'server CPU per request', value: result.serverCpuUs, unit: 'µs' }),
      ],
      data: { ...result, connections, seconds, bodyBytes: RUN_BYTES },
    };
  } finally {
    await bare.stop();
  }
}
