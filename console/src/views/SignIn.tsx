/** Sign-in with an API key; the key is kept in sessionStorage (this tab only) and sent as a Bearer token. */
import { useState } from 'react';
import { ErrorNote } from './common';

export function SignIn({ onKey, error }: { onKey: (key: string) => void; error: unknown }) {
  const [key, setKey] = useState('');
  return (
    <form
      className="je-signin"
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim()) onKey(key.trim());
      }}
    >
      <h1>Journey Engine console</h1>
      <p>Sign in with an API key. The key stays in this browser tab only and is forgotten when you close it.</p>
      <label>
        API key
        <input type="password" name="apiKey" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} placeholder="je_…" autoFocus />
      </label>
      <button type="submit" disabled={!key.trim()}>
        Sign in
      </button>
      {error ? <ErrorNote error={error} action="Check the key: `npm start` prints where the admin key is kept; POST /v1/api-keys makes narrower ones." /> : null}
    </form>
  );
}
