// Starts the bare node:http baseline (bare-http-server.js) as a separate process, like the Sluice server.
import { fileURLToPath } from 'node:url';
import { memoryMb, spawnProcess } from './processes.js';

const SCRIPT = fileURLToPath(new URL('./bare-http-server.js', import.meta.url));

export async function startBareHttp() {
  const proc = await spawnProcess(process.execPath, [SCRIPT], { ready: /listening (\d+)/, label: 'bare node:http' });
  return {
    origin: `http://127.0.0.1:${proc.ready[1]}`,
    pid: proc.pid,
    memory: () => memoryMb(proc.pid),
    stop: () => proc.stop(),
  };
}
