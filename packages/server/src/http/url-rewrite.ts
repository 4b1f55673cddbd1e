// Normalises request URLs before routing: repeated slashes collapse (runpod-sdk sends `//` when baseUrl ends
// in `/`, spec §1.1), and a last path segment holding `&` is cut there, the tail becoming query (worker URL
// templates without `?`, spec §6.1).

export function rewriteUrl(url: string): string {
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  let query = q === -1 ? '' : url.slice(q + 1);
  path = path.replace(/\/{2,}/g, '/');
  const lastSlash = path.lastIndexOf('/');
  const amp = path.indexOf('&', lastSlash + 1);
  if (amp !== -1) {
    const tail = path.slice(amp + 1);
    path = path.slice(0, amp);
    query = query === '' ? tail : `${tail}&${query}`;
  }
  return query === '' ? path : `${path}?${query}`;
}
