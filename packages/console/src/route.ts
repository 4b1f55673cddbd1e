// Hash routes, so the server serves one page and a reload keeps the view: #/, #/endpoints/:id,
// #/endpoints/:id/jobs/:jobId, #/try.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'endpoints' }
  | { page: 'endpoint'; endpointId: string }
  | { page: 'job'; endpointId: string; jobId: string }
  | { page: 'try'; endpointId?: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'endpoints' && parts[1] !== undefined) {
    if (parts[2] === 'jobs' && parts[3] !== undefined) return { page: 'job', endpointId: parts[1], jobId: parts[3] };
    return { page: 'endpoint', endpointId: parts[1] };
  }
  if (parts[0] === 'try') {
    const endpointId = new URLSearchParams(query).get('endpoint') ?? undefined;
    return endpointId ? { page: 'try', endpointId } : { page: 'try' };
  }
  return { page: 'endpoints' };
}

export const href = {
  endpoints: () => '#/',
  endpoint: (id: string) => `#/endpoints/${encodeURIComponent(id)}`,
  job: (endpointId: string, jobId: string) =>
    `#/endpoints/${encodeURIComponent(endpointId)}/jobs/${encodeURIComponent(jobId)}`,
  tryIt: (endpointId?: string) => (endpointId ? `#/try?endpoint=${encodeURIComponent(endpointId)}` : '#/try'),
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
