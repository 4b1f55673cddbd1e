// Fails a test file that leaves a child process, server or socket open (architecture §6).
import { afterAll } from 'vitest';

const WATCHED = new Set(['TCPSocketWrap', 'TCPServerWrap', 'ProcessWrap']);

function leaked(): string[] {
  return process.getActiveResourcesInfo().filter((name) => WATCHED.has(name));
}

afterAll(async () => {
  // Closing sockets and exiting children settle over the next turns of the event loop.
  for (let i = 0; i < 40 && leaked().length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const left = leaked();
  if (left.length > 0) throw new Error(`test file left resources open: ${left.join(', ')}`);
});
