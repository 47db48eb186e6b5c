import { useState } from 'preact/hooks';
import { ErrorBox } from '../components/status.tsx';

/** Sign in with a member API key; the key stays in this tab only (sessionStorage). */
export function SignInPage({ signIn, earlier }: { readonly signIn: (token: string) => Promise<void>; readonly earlier?: unknown }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(earlier);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (token.trim() === '') {
      setError(new Error('Paste your member API key (it starts with crk_).'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token.trim());
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <main id="main" class="narrow sign-in">
      <h1>Cleanroom</h1>
      <p class="lead">A data clean room: run the analyses every table owner allows, and read the results you receive.</p>
      <form onSubmit={submit} aria-describedby="key-help">
        <label for="api-key">Member API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="crk_…"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-invalid={error !== undefined}
          autoFocus
        />
        <p id="key-help" class="help">
          Your organisation's key, from the operator of this server. It is kept in this browser tab only and forgotten when you sign out or close the tab.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error !== undefined && <ErrorBox error={error} />}
    </main>
  );
}
