// The framework floor: Fastify (the server's framework, same version) answering the same JSON POST as the
// bare node:http baseline, with the same raw-body parsing Sluice uses and nothing else: no auth, no store.
// What separates it from /run is Sluice's own work; what separates it from bare node:http is the framework's.
// Prints `listening <port>` once it accepts connections.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/v2/:endpointId/run', async (request, reply) => {
  let body;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    return reply.code(400).send({ error: 'json is invalid' });
  }
  if (typeof body !== 'object' || body === null || !('input' in body)) {
    return reply.code(400).send({ error: 'no input' });
  }
  return { id: randomUUID(), status: 'IN_QUEUE' };
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
