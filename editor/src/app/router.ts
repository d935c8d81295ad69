// Hash routes, so the server serves one page: `#/` the flow list, `#/flows/<id>` one flow, `#/settings/keys` your API keys.
import { useSyncExternalStore } from 'react';

export type Route = { page: 'flows' } | { page: 'flow'; id: string } | { page: 'keys' };

export function parseRoute(hash: string): Route {
  if (/^#\/settings\/keys\b/.test(hash)) return { page: 'keys' };
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
