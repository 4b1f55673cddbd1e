// autocannon (programmatic API) as the closed-loop load generator: a fixed number of connections, each
// sending its next request as soon as the last one is answered, for a duration or a fixed request count.
import autocannon from 'autocannon';

/**
 * Runs for `duration` seconds, or until `amount` requests were answered (at most `maxSeconds`).
 * Returns { rps (2xx answers per second), p50, p99, max (ms, whole-millisecond resolution), ok (2xx), non2xx,
 * errors, timeouts, seconds }.
 */
export async function hammer({
  url,
  method = 'POST',
  body,
  connections = 32,
  duration,
  amount,
  maxSeconds,
  headers = {},
}) {
  const options = {
    url,
    method,
    connections,
    body,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    timeout: 30,
    ...(amount === undefined ? { duration } : { amount }),
  };
  // `amount` with a time bound: stopped after `maxSeconds` whatever the count reached.
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, res) => (err ? reject(err) : resolve(res)));
    if (maxSeconds !== undefined) {
      const timer = setTimeout(() => instance.stop(), maxSeconds * 1000);
      instance.once('done', () => clearTimeout(timer));
    }
  });
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  };
}
