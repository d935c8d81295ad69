// Hash routes, so the server serves one page: `#/` the flow list, `#/flows/<id>` one flow, `#/settings/keys` your API keys,
// `#/settings/sessions` where you are signed in, `#/admin/audit` and `#/admin/model-access` for admins.
import { useSyncExternalStore } from 'react';

export type Route = { page: 'flows' } | { page: 'flow'; id: string } | { page: 'keys' } | IdentityRoute;

/** Sessions and the admin pages of identity and access (pages/sessions, admin-audit, admin-model-access). */
export type IdentityRoute = { page: 'sessions' } | { page: 'admin-audit' } | { page: 'admin-model-access' };
export const sessionsHref = '#/settings/sessions';
export const auditHref = '#/admin/audit';
export const modelAccessHref = '#/admin/model-access';

export function parseRoute(hash: string): Route {
  if (/^#\/settings\/keys\b/.test(hash)) return { page: 'keys' };
  if (/^#\/settings\/sessions\b/.test(hash)) return { page: 'sessions' };
  if (/^#\/admin\/audit\b/.test(hash)) return { page: 'admin-audit' };
  if (/^#\/admin\/model-access\b/.test(hash)) return { page: 'admin-model-access' };
  const match = /^#\/flows\/([^/?#]+)/.exec(hash);
  return match ? { page: 'flow', id: decodeURIComponent(match[1]!) } : { page: 'flows' };
}

export const flowHref = (id: string): string => `#/flows/${encodeURIComponent(id)}`;
export const listHref = '#/';
export const keysHref = '#/settings/keys';

export function navigate(href: string): void {
  window.location.hash = href.slice(1);
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}
