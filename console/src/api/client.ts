/**
 * The typed API client: openapi-fetch over the types generated from our own OpenAPI document
 * (src/api/generated/schema.d.ts, `npm run console:api`), so a renamed route or parameter breaks
 * the console's type-check. The API key lives in sessionStorage (this browser tab only).
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './generated/schema';

const KEY_STORAGE = 'je.apiKey';

export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string) => sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => sessionStorage.removeItem(KEY_STORAGE),
};

/** An error answer of the API: `{ error: { code, message, issues? } }` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const key = apiKey.get();
    // Signed out: nothing is sent. A view still on screen while the session ends (a polling query,
    // a refetch when the cache is cleared) would only collect a 401 from the server.
    if (!key) throw new ApiError(401, 'signed_out', 'Sign in with an API key', null);
    request.headers.set('Authorization', `Bearer ${key}`);
    return request;
  },
};

// no-store: every view polls for live figures and statuses, so a cached copy is never wanted (the
// API's ETag on a journey does change with any change to the answer, docs/api.md).
export const api = createClient<paths>({ baseUrl: window.location.origin, cache: 'no-store' });
api.use(auth);

/** The data of an openapi-fetch answer, or an {@link ApiError}. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const e = (error as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(response.status, e?.code ?? `http_${response.status}`, e?.message ?? response.statusText, error);
  }
  return data as T;
}
