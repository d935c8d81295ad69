// Hash routes, so the server serves one page: `#/` the flow list, `#/flows/<id>` one flow, `#/settings/keys` your API keys,
// `#/runs` runs across flows, `#/collections[/<name>]` collections, `#/settings` profile (and, for admins, users and models).
import { useSyncExternalStore } from 'react';

export type Route = { page: 'flows' } | { page: 'flow'; id: string } | { page: 'keys' } | { page: 'runs' } | { page: 'collections'; name: string | null } | { page: 'settings' };

export function parseRoute(hash: string): Route {
  if (/^#\/settings\/keys\b/.test(hash)) return { page: 'keys' };
  if (/^#\/settings\/?$/.test(hash)) return { page: 'settings' };
  if (/^#\/runs\b/.test(hash)) return { page: 'runs' };
  const collection = /^#\/collections(?:\/([^/?#]+))?/.exec(hash);
  if (collection) return { page: 'collections', name: collection[1] ? decodeURIComponent(collection[1]) : null };
  const match = /^#\/flows\/([^/?#]+)/.exec(hash);
  return match ? { page: 'flow', id: decodeURIComponent(match[1]!) } : { page: 'flows' };
}

export const flowHref = (id: string): string => `#/flows/${encodeURIComponent(id)}`;
export const listHref = '#/';
export const keysHref = '#/settings/keys';
export const runsHref = '#/runs';
export const collectionsHref = '#/collections';
export const settingsHref = '#/settings';

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
