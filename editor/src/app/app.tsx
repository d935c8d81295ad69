// The shell: who is signed in (GET /api/auth/me decides between the login screen and the app),
// the header with the theme switch, and the page the hash names.
import { useCallback, useEffect, useState } from 'react';
import { ApiError, useApi } from '../api/client';
import type { User } from '../api/schemas';
import { FlowEditorPage } from '../pages/flow-editor';
import { FlowListPage } from '../pages/flow-list';
import { LoginPage } from '../pages/login';
import { ApiKeysPage } from '../pages/api-keys';
import { ChatPage } from '../pages/chat';
import { CollectionsPage } from '../pages/collections';
import { RunsPage } from '../pages/runs';
import { SettingsPage } from '../pages/settings';
import { ModelPage } from '../pages/model';
import { chatHref, collectionsHref, keysHref, listHref, parseRoute, runsHref, settingsHref, useHash } from './router';
import { IdentityNavLinks, IdentityPage, isIdentityRoute } from './identity-nav';
import { useTheme } from './theme';

type Session = { state: 'checking' } | { state: 'signed-out'; problem?: string } | { state: 'signed-in'; user: User };

export function App() {
  const api = useApi();
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [theme, toggleTheme] = useTheme();
  const route = parseRoute(useHash());

  useEffect(() => {
    api.me().then(
      ({ user }) => setSession({ state: 'signed-in', user }),
      (error: unknown) => setSession({ state: 'signed-out', ...(error instanceof ApiError && error.status !== 401 ? { problem: error.message } : {}) }),
    );
  }, [api]);

  const logout = useCallback(async () => {
    await api.logout().catch(() => undefined);
    setSession({ state: 'signed-out' });
  }, [api]);

  const themeButton = (
    <button type="button" className="theme-toggle" onClick={toggleTheme} aria-label={theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'} title="Light or dark">
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );

  if (session.state === 'checking') return <div className="splash" aria-busy="true">Astra</div>;
  if (session.state === 'signed-out') {
    return <LoginPage problem={session.problem} themeButton={themeButton} onSignedIn={(user) => setSession({ state: 'signed-in', user })} />;
  }
  const { user } = session;
  return (
    <div className="app">
      <header className="app-header">
        <a className="brand" href={listHref}>Astra</a>
        <nav aria-label="Main">
          <a href={listHref} aria-current={route.page === 'flows' ? 'page' : undefined}>Flows</a>
          <a href={runsHref} aria-current={route.page === 'runs' ? 'page' : undefined}>Runs</a>
          <a href={collectionsHref} aria-current={route.page === 'collections' ? 'page' : undefined}>Collections</a>
          <a href={keysHref} aria-current={route.page === 'keys' ? 'page' : undefined}>API keys</a>
          <a href={chatHref()} aria-current={route.page === 'chat' ? 'page' : undefined}>Chat</a>
          <a href={settingsHref} aria-current={route.page === 'settings' ? 'page' : undefined}>Settings</a>
          <IdentityNavLinks route={route} user={user} />
        </nav>
        <div className="header-end">
          {themeButton}
          <span className="who" aria-label="Signed in as">{user.username}</span>
          <button type="button" onClick={() => void logout()}>Log out</button>
        </div>
      </header>
      <main className="app-main">
        {user.role === 'pending' ? (
          <p className="pending">Your account is waiting for an admin to approve it.</p>
        ) : route.page === 'keys' ? (
          <ApiKeysPage />
        ) : route.page === 'chat' ? (
          <ChatPage key={route.slug ?? ''} slug={route.slug} conversationId={route.conversationId} />
        ) : isIdentityRoute(route) ? (
          <IdentityPage route={route} user={user} />
        ) : route.page === 'runs' ? (
          <RunsPage />
        ) : route.page === 'collections' ? (
          <CollectionsPage name={route.name} />
        ) : route.page === 'settings' ? (
          <SettingsPage user={user} />
        ) : route.page === 'model' ? (
          <ModelPage key={route.name} name={route.name} />
        ) : route.page === 'flow' ? (
          <FlowEditorPage key={route.id} flowId={route.id} colorMode={theme} />
        ) : (
          <FlowListPage />
        )}
      </main>
    </div>
  );
}
