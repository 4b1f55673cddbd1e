// The streaming baseline's server: a bare node:http relay that does the least a streaming front door must do.
//   GET  /watch/<id>   answers text/event-stream and writes each item posted for <id> as `event: stream`
//   POST /item/<id>    the body, verbatim, as the next item of <id> (kept until a watcher is there)
//   POST /done/<id>    `event: done`, then the watcher's answer ends
// Prints `listening <port>` once it accepts connections. No store, no auth, no consume-once cursor.
import http from 'node:http';

const jobs = new Map();

function job(id) {
  let entry = jobs.get(id);
  if (!entry) {
    entry = { res: undefined, pending: [], seq: 0 };
    jobs.set(id, entry);
  }
  return entry;
}

function send(entry, text) {
  if (entry.res) entry.res.write(text);
  else entry.pending.push(text);
}

const server = http.createServer((req, res) => {
  const [, action, id] = req.url.split('/');
  if (req.method === 'GET' && action === 'watch') {
    const entry = job(id);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    entry.res = res;
    for (const text of entry.pending.splice(0)) {
      if (text === null) res.end();
      else res.write(text);
    }
    res.on('close', () => jobs.delete(id));
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const entry = job(id);
    if (action === 'item') {
      entry.seq += 1;
      send(entry, `event: stream\nid: ${entry.seq}\ndata: ${Buffer.concat(chunks).toString()}\n\n`);
    } else if (action === 'done') {
      send(entry, 'event: done\ndata: {}\n\n');
      if (entry.res) entry.res.end();
      else entry.pending.push(null); // ends the answer once the watcher is there
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
