// Reads a server-sent event stream over node:http and notes, for each event, when the bytes that completed it
// arrived on the machine's monotonic clock (every event of one chunk shares that moment).
import http from 'node:http';
import { monoMs } from './stats.js';

/**
 * GETs `url` with `Accept: text/event-stream` on a connection of its own and calls `onEvent({ event, id, data,
 * receivedAt })` per event (`data` parsed as JSON). Resolves when the server ends the answer; rejects on a
 * non-200 answer or a connection error.
 */
export function readEventStream(url, onEvent) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (chunk) => {
        const receivedAt = monoMs();
        buffered += chunk;
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = { event: 'message', id: undefined, data: undefined, receivedAt };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('id: ')) event.id = Number(line.slice(4));
            else if (line.startsWith('data: ')) event.data = JSON.parse(line.slice(6));
          }
          // A block of comments only (`: keep-alive`) is no event.
          if (block.split('\n').some((line) => !line.startsWith(':'))) onEvent(event);
        }
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
