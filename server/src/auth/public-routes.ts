/**
 * The only requests served without credentials. Matching is exact on the raw path, so any variant
 * (case, doubled or trailing slash, encoded dots) is not public and meets the auth check.
 */
const publicRoutes: Array<{ method: string; path: string | RegExp }> = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  { method: 'POST', path: '/api/auth/login' },
  { method: 'POST', path: '/api/auth/register' },
  { method: 'GET', path: /^\/auth\/link\/astra_l_[A-Za-z0-9_-]{43}$/ },
  // OpenID Connect: the login page asks how to sign in, the browser begins and the provider answers (auth/oidc.ts).
  { method: 'GET', path: '/api/auth/providers' },
  { method: 'GET', path: '/auth/oidc/start' },
  { method: 'GET', path: '/auth/oidc/callback' },
  // Prometheus scrapes carry no session: /metrics checks ASTRA_METRICS_TOKEN itself, and without
  // one answers only when the server is bound to loopback (server/src/metrics.ts).
  { method: 'GET', path: '/metrics' },
  // The editor's HTML shell and its hashed bundles: no data in them (routes/editor-static.ts).
  { method: 'GET', path: '/' },
  { method: 'GET', path: /^\/assets\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/ },
];

export function isPublic(method: string, rawPath: string): boolean {
  const asMethod = method === 'HEAD' ? 'GET' : method;
  return publicRoutes.some((route) =>
    route.method === asMethod && (typeof route.path === 'string' ? route.path === rawPath : route.path.test(rawPath)));
}

export const publicRouteList = publicRoutes.map((route) => `${route.method} ${route.path}`);
