import { useEffect, useState, type ReactNode } from 'react';
import { useApi, type AstraClient } from '../api/client';
import type { User } from '../api/schemas';

export function LoginPage({ onSignedIn, problem, themeButton }: { onSignedIn: (user: User) => void; problem: string | undefined; themeButton: ReactNode }) {
  const api = useApi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(problem ?? null);
  const [busy, setBusy] = useState(false);
  // How this server lets people sign in: passwords, an OpenID provider's button, or both.
  const [ways, setWays] = useState<Awaited<ReturnType<AstraClient['signInProviders']>> | null>(null);
  useEffect(() => {
    api.signInProviders().then(setWays, () => setWays({ passwords: true, signUp: false, oidc: null }));
  }, [api]);
  const passwords = ways?.passwords ?? true;

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.login(username, password);
      const { user } = await api.me();
      onSignedIn(user);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <div className="login-theme">{themeButton}</div>
      <form
        className="login-card"
        aria-labelledby="login-title"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <h1 id="login-title">Sign in to Astra</h1>
        {ways?.oidc ? (
          <a className="button primary oidc-button" href={ways.oidc.startUrl}>Sign in with {ways.oidc.label}</a>
        ) : null}
        {passwords ? (<>
        <div className="field">
          <label htmlFor="login-username">Username</label>
          <input id="login-username" name="username" autoComplete="username" autoFocus required value={username} onChange={(event) => setUsername(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        </div>
        {error ? <p className="field-error" role="alert">{error}</p> : null}
        <button type="submit" className={ways?.oidc ? undefined : 'primary'} disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        </>) : error ? <p className="field-error" role="alert">{error}</p> : null}
        <p className="muted"><code>npm start</code> prints a one-time login link for the admin account.</p>
      </form>
    </main>
  );
}
