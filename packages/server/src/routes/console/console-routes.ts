// The web console: the static files `npm run build` writes for packages/console, served at /console/ with a
// Content-Security-Policy, and `/` redirected there. The server never imports the console's code: it serves a
// folder, and says so in one log line (then answers 503) when that folder was never built.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';

export interface ConsoleOptions {
  enabled: boolean;
  /** The built folder; default: packages/console/dist beside this package (also right under node_modules/@sluice). */
  root?: string;
  log: Pick<Logger, 'warn'>;
}

/**
 * No inline script or style, nothing from elsewhere; the console only fetches this server. `style-src 'self'`
 * still lets the app set element styles through the CSSOM (Preact does), not through style attributes in markup.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice console not built</title></head>
<body><h1>The Sluice console is not built</h1>
<p>Run <code>npm run build</code> in the Sluice checkout, then restart <code>sluice serve</code>.</p></body></html>
`;

export function defaultConsoleRoot(): string {
  return fileURLToPath(new URL('../../../../console/dist/', import.meta.url));
}

function withSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}

export function registerConsoleRoutes(app: FastifyInstance, options: ConsoleOptions): void {
  if (!options.enabled) return;
  app.get('/', (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', (_request, reply) => reply.redirect('/console/', 301));

  const root = resolve(options.root ?? defaultConsoleRoot());
  if (!existsSync(join(root, 'index.html'))) {
    options.log.warn(`web console not served: no build in ${root} (run \`npm run build\`)`);
    app.get('/console/*', (_request, reply) =>
      withSecurityHeaders(reply).code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE),
    );
    return;
  }
  void app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    decorateReply: false,
    index: 'index.html',
    // The cache-control header is ours (setHeaders), per file.
    cacheControl: false,
    // Hashed asset names change with their content; the page itself must be fetched afresh to find them.
    // @fastify/static 9 hands setHeaders the raw response (10 needs Node 22 through content-disposition 3).
    setHeaders(res, path) {
      const immutable = path.startsWith(join(root, 'assets'));
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
