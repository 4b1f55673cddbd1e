// A small keep-alive HTTP client over node:http (lighter than fetch), timing each request on the
// monotonic clock: `sentAt` before the request is written, `answeredAt` once the whole answer is read.
import http from 'node:http';
import { monoMs } from './stats.js';

export function createHttpClient(origin, { maxSockets = 64 } = {}) {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });

  function request(method, path, body, headers = {}) {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const sentAt = monoMs();
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers:
            payload === undefined
              ? headers
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const answeredAt = monoMs();
            resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString(), sentAt, answeredAt });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  return {
    request,
    get: (path, headers) => request('GET', path, undefined, headers),
    post: (path, body, headers) => request('POST', path, body, headers),
    async json(method, path, body) {
      const res = await request(method, path, body);
      if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.text}`);
      return res.text ? JSON.parse(res.text) : undefined;
    },
    close: () => agent.destroy(),
  };
}
