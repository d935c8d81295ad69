// Hash routes, so the server serves one page: `#/` the flow list, `#/flows/<id>` one flow, `#/settings/keys` your API keys,
// `#/settings/sessions` where you are signed in, `#/admin/audit` and `#/admin/model-access` for admins;
// `#/runs` runs across flows, `#/models/<name>` one model, `#/collections[/<name>]` collections, `#/settings` profile (and, for admins, users and models).
import { useSyncExternalStore } from 'react';

export type Route = { page: 'flows' } | { page: 'flow'; id: string } | { page: 'keys' } | { page: 'chat'; slug?: string; conversationId?: string }
  | { page: 'runs' } | { page: 'collections'; name: string | null } | { page: 'settings' } | { page: 'model'; name: string } | IdentityRoute;

/** Sessions and the admin pages of identity and access (pages/sessions, admin-audit, admin-model-access). */
export type IdentityRoute = { page: 'sessions' } | { page: 'admin-audit' } | { page: 'admin-model-access' };
export const sessionsHref = '#/settings/sessions';
export const auditHref = '#/admin/audit';
export const modelAccessHref = '#/admin/model-access';

export function parseRoute(hash: string): Route {
  if (/^#\/settings\/keys\b/.test(hash)) return { page: 'keys' };
  if (/^#\/settings\/sessions\b/.test(hash)) return { page: 'sessions' };
  if (/^#\/settings\/?$/.test(hash)) return { page: 'settings' };
  if (/^#\/admin\/audit\b/.test(hash)) return { page: 'admin-audit' };
  if (/^#\/admin\/model-access\b/.test(hash)) return { page: 'admin-model-access' };
  if (/^#\/runs\b/.test(hash)) return { page: 'runs' };
  const model = /^#\/models\/([^/?#]+)/.exec(hash);
  if (model) return { page: 'model', name: decodeURIComponent(model[1]!) };
  const collection = /^#\/collections(?:\/([^/?#]+))?/.exec(hash);
  if (collection) return { page: 'collections', name: collection[1] ? decodeURIComponent(collection[1]) : null };
  const chat = /^#\/chat(?:\/([^/?#]+))?(?:\/([^/?#]+))?/.exec(hash);
  if (chat) return { page: 'chat', ...(chat[1] ? { slug: decodeURIComponent(chat[1]) } : {}), ...(chat[2] ? { conversationId: decodeURIComponent(chat[2]) } : {}) };
  const match = /^#\/flows\/([^/?#]+)/.exec(hash);
  return match ? { page: 'flow', id: decodeURIComponent(match[1]!) } : { page: 'flows' };
}

export const flowHref = (id: string): string => `#/flows/${encodeURIComponent(id)}`;
export const listHref = '#/';
/** The chat page: `#/chat`, one app `#/chat/<slug>`, one conversation `#/chat/<slug>/<id>`. */
export const chatHref = (slug?: string, conversationId?: string): string =>
  `#/chat${slug ? `/${encodeURIComponent(slug)}` : ''}${slug && conversationId ? `/${encodeURIComponent(conversationId)}` : ''}`;
/** A flow opened on one of its runs (the run panel shows it). */
export const flowRunHref = (flowId: string, runId: string): string => `${flowHref(flowId)}?run=${encodeURIComponent(runId)}`;
/** The run a flow's address names, if any. */
export const runInHash = (hash: string): string | null => new URLSearchParams(hash.split('?')[1] ?? '').get('run');
export const keysHref = '#/settings/keys';
export const runsHref = '#/runs';
export const collectionsHref = '#/collections';
export const settingsHref = '#/settings';
/** One model's page: its file, and for a fine-tune its lineage and metrics. */
export const modelHref = (name: string): string => `#/models/${encodeURIComponent(name)}`;

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
