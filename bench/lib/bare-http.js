// Starts the baselines as separate processes, like the Sluice server: bare node:http (bare-http-server.js) and
// the Fastify floor (bare-fastify-server.js).
import { fileURLToPath } from 'node:url';
import { memoryMb, spawnProcess } from './processes.js';

const SCRIPTS = {
  'node:http': fileURLToPath(new URL('./bare-http-server.js', import.meta.url)),
  fastify: fileURLToPath(new URL('./bare-fastify-server.js', import.meta.url)),
};

export async function startBareHttp(kind = 'node:http') {
  const proc = await spawnProcess(process.execPath, [SCRIPTS[kind]], {
    ready: /listening (\d+)/,
    label: `bare ${kind}`,
  });
  return {
    origin: `http://127.0.0.1:${proc.ready[1]}`,
    pid: proc.pid,
    memory: () => memoryMb(proc.pid),
    stop: () => proc.stop(),
  };
}
