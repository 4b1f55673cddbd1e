// Asks for the admin key when the server wants one. The key goes to sessionStorage (this tab only), never to a URL.
import { useState } from 'preact/hooks';
import { credentials } from '../api.js';

export function Login({ refused, onKey }: { refused: boolean; onKey: () => void }) {
  const [key, setKey] = useState('');
  return (
    <main class="login">
      <h1>Sluice console</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!key.trim()) return;
          credentials.set(key.trim());
          onKey();
        }}
      >
        <p>
          This server has API keys. Enter an admin key (<code>kind: admin</code> in <code>auth.keys</code>).
        </p>
        {refused && (
          <p class="error" role="alert">
            The server refused that key. Check it and try again.
          </p>
        )}
        <label for="admin-key">Admin key</label>
        <input
          id="admin-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          required
          autoFocus
        />
        <button type="submit">Sign in</button>
        <p class="muted">Kept in this tab's session storage until you close it or sign out.</p>
      </form>
    </main>
  );
}
