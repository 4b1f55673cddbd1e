// The baseline server: bare node:http in its own process, doing the least a queue front door must do.
//   POST /run           reads and parses the JSON body, answers {"id": <uuid>, "status": "IN_QUEUE"}
//   GET  /hold/<id>     parks the request (a long-poll) until a /release-one frees it, then answers JSON
//   POST /release-one   answers like /run and frees the oldest parked request
//   GET  /held          {"held": <parked requests>}
// Prints `listening <port>` once it accepts connections.
import { randomUUID } from 'node:crypto';
import http from 'node:http';

const held = [];

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/hold/')) {
    held.push(res);
    res.on('close', () => {
      const i = held.indexOf(res);
      if (i >= 0) held.splice(i, 1);
    });
    return;
  }
  if (req.method === 'GET' && req.url === '/held') return answer(res, 200, { held: held.length });
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return answer(res, 400, { error: 'json is invalid' });
    }
    if (typeof body !== 'object' || body === null || !('input' in body)) return answer(res, 400, { error: 'no input' });
    const id = randomUUID();
    if (req.url === '/release-one') {
      const parked = held.shift();
      if (parked) answer(parked, 200, { id, input: body.input });
    }
    answer(res, 200, { id, status: 'IN_QUEUE' });
  });
});
server.keepAliveTimeout = 72_000;
server.headersTimeout = 75_000;
server.requestTimeout = 330_000;
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  for (const res of held) res.destroy();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
