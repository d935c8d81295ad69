import { html } from 'hono/html';
import type { Handler } from 'hono';
import type { AppDeps, AppEnv } from '../app-types';

/** The signed-in landing page until the editor arrives: who you are and what is up. */
export const homePage = (deps: AppDeps): Handler<AppEnv> => async (c) => {
  const report = await deps.readiness.report();
  const user = c.get('user');
  return c.html(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Astra</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;color:#1d2430}td{padding:.25rem 1rem .25rem 0}.up{color:#137333}.down{color:#b3261e}</style></head>
<body><h1>Astra</h1><p>Signed in as <strong>${user.username}</strong> (${user.role}).</p>
<table aria-label="Parts of Astra">${Object.entries(report.parts).map(([name, part]) =>
    html`<tr><td>${name}</td><td class="${part.up ? 'up' : 'down'}">${part.up ? 'up' : 'down'}</td><td>${part.detail}</td></tr>`)}</table>
${deps.env.TEMPORAL_UI_URL ? html`<p><a href="${deps.env.TEMPORAL_UI_URL}">Temporal Web UI</a></p>` : ''}
</body></html>`);
};
