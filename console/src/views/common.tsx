/** Loading, empty and error states that say what to do next. */
import { ApiError } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <p className="je-loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorNote({ error, action }: { error: unknown; action?: string }) {
  const text =
    error instanceof ApiError
      ? error.status === 401
        ? 'Your API key was refused: sign out and sign in with a valid key.'
        : error.status === 403
          ? `Your key's role may not do this (${error.message}).`
          : `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div className="je-error" role="alert">
      {text}
      {action ? <div className="je-hint">{action}</div> : null}
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="je-empty">{children}</div>;
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
